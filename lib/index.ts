// The public surface of tsamp, imported as `tsamp` from notebooks and plain Node scripts.
import * as tf from "./tf.js";

export { tf };
export { DISPLAY, isDisplayable, type Displayable, type MimeBundle } from "./display-symbol.js";
