// The `data` namespace of the public surface (DESIGN.md section 7): image folders, Fashion-MNIST,
// synthetic data, torchvision-style transforms, and the loader.
import { fashionMnist, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, readFashionMnist } from "./fashion-mnist.js";
import { parseIdx, readIdx } from "./idx.js";
import { imageFolder } from "./image-folder.js";
import type { Image } from "./image.js";
import { loader } from "./loader.js";
import { synthetic } from "./synthetic.js";
import { TensorDataset } from "./tensor-dataset.js";
import * as tf from "../tf.js";
import {
  centerCrop,
  compose,
  IMAGENET_MEAN,
  IMAGENET_STD,
  normalize,
  randomHorizontalFlip,
  randomResizedCrop,
  resize,
  toTensor,
} from "./transforms.js";
import { writeImageFolder } from "./write-image-folder.js";

export type { Dataset, Sample, SampleOptions } from "./dataset.js";
export type { Image, RawImage, FloatImage } from "./image.js";
export { ImageFolder, type ImageFolderOptions } from "./image-folder.js";
export { ImageReadError, type Engine, type SkippedImage } from "./pipeline.js";
export { Loader, type LoaderOptions, type Batch, type LoaderMode } from "./loader.js";
export { TensorDataset, type TensorPair } from "./tensor-dataset.js";
export { Transform, Compose, TransformError, type TransformSpec, type TransformLike, type CustomTransform } from "./transforms.js";
export type { FashionMnistOptions, FashionMnistRaw, Split } from "./fashion-mnist.js";
export type { SyntheticOptions } from "./synthetic.js";
export type { WriteImageFolderOptions, WrittenImageFolder } from "./write-image-folder.js";
export type { Idx } from "./idx.js";
export { Rng } from "./rng.js";

/** An image from a dataset's get() as a tensor [H, W, C] (float32; int32 for 8-bit pixels). */
function imageToTensor(image: Image): tf.Tensor3D {
  return image.kind === "float"
    ? tf.tensor3d(image.data, [image.height, image.width, image.channels], "float32")
    : tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, image.channels], "int32");
}

/** torchvision-style transforms; PascalCase aliases for torchvision's spelling. */
const transforms = Object.freeze({
  compose,
  randomResizedCrop,
  randomHorizontalFlip,
  resize,
  centerCrop,
  toTensor,
  normalize,
  Compose: compose,
  RandomResizedCrop: randomResizedCrop,
  RandomHorizontalFlip: randomHorizontalFlip,
  Resize: resize,
  CenterCrop: centerCrop,
  ToTensor: toTensor,
  Normalize: normalize,
  IMAGENET_MEAN,
  IMAGENET_STD,
});

export const data = Object.freeze({
  imageFolder,
  fashionMnist,
  readFashionMnist,
  synthetic,
  writeImageFolder,
  loader,
  transforms,
  tensorDataset: (x: tf.Tensor, y: tf.Tensor, classes?: readonly string[]) => new TensorDataset(x, y, classes),
  toTensor: imageToTensor,
  readIdx,
  parseIdx,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
});
