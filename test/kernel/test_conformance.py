"""Jupyter's own conformance suite (Debian's python3-jupyter-kernel-test), every feature enabled."""
import os
import unittest

import jupyter_kernel_test


class TsampConformance(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("TSAMP_KERNEL_NAME", "tsamp-test")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("some error")'

    completion_samples = [
        {"text": "Math.flo", "matches": {"floor"}},
        {"text": "const zebraCount = 1;\nzebraC", "matches": {"zebraCount"}},
    ]

    complete_code_samples = ["1 + 1", "const x = 3;", "function f() { return 1 }", "%time 1 + 1", "?Math"]
    incomplete_code_samples = ["function f() {", "const a = [1, 2,", "if (x) {\n  y()", "`open template"]
    invalid_code_samples = ["1 +* 2;", "const = 5", "let 3x = 1;"]

    code_page_something = "?Math.floor"

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "const greeting: string = 'hi'; greeting.length", "result": "2"},
        {"code": "[1, 2, 3].map((n) => n * 2).join(',')", "result": "'2,4,6'"},
    ]

    code_display_data = [
        {"code": 'display.html("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.markdown("*md*")', "mime": "text/markdown"},
        {"code": 'display({ [Symbol.for("Jupyter.display")]: () => ({ "image/svg+xml": "<svg/>" }) })', "mime": "image/svg+xml"},
    ]

    code_history_pattern = "6 * *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.floor"

    code_clear_output = "display.clear()"


if __name__ == "__main__":
    unittest.main()
