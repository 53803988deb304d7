"""Every tutorial notebook runs top to bottom through Debian's nbclient with the installed kernel,
with no error output, and shows what the lesson says it shows."""
import glob
import os
import re
import unittest

import nbformat
from nbclient import NotebookClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNEL = os.environ.get("TSAMP_KERNEL_NAME", "tsamp-test")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# What each lesson must show: substrings of its text output, and mimetypes of its rich output.
EXPECTED = {
    "01-float-formats.ipynb": {
        "text": [
            "stored 0.333251953125",
            "nearest-even [ 0, 4 ]",
            "toward-zero  [ 0, 2 ]",
            "share rounded up: 0.126",
            "2.980e-8    -> zero",
            "70000  in float16          -> Infinity  saturated -> 65504",
            "500    in float8_e4m3fn    -> NaN       saturated -> 448",
            "7      in float4_e2m1fn    -> 6         saturated -> 6",
        ],
        "mimetypes": ["text/html"],
    },
    "02-loss-scaling.ipynb": {
        "text": [
            "float16  of 34305 nonzero gradients: 34305 underflow to zero, 0 subnormal, 0 normal",
            "bfloat16 of 34305 nonzero gradients: 0 underflow to zero, 0 subnormal, 34305 normal",
            "no scaling: test accuracy 12.7% before, 12.7% after 200 steps",
            "no scaling: steps whose gradients were all zero: 200 of 200",
            "no scaling: largest weight change 0, steps skipped 0",
            "fp16, scale 2^0   zeros 100.0%, error 1.0e+0",
            "fp16, scale 2^24  zeros  18.0%, error 3.5e-4",
            "fp16, scale 2^43  inf in the gradients: step skipped",
            "static 2^24: test accuracy 7",
            "static 2^48: 200 of 200 steps skipped, optimizer steps taken 0",
            "static 2^48: largest weight change 0, test accuracy 12.7%",
            "step 2: scale 1024  foundInf false -> scale 2048, tracker 0",
            "step 4: scale 2048  foundInf true  -> scale 1024, tracker 0  (skipped)",
            "step 5: scale 1024  foundInf true  -> scale  512, tracker 0  (skipped)",
            "step 8: scale  512  foundInf false -> scale 1024, tracker 0",
            "dynamic: after that the scale stayed within 2^40 .. 2^42",
            "fp16, no scaling   test accuracy 12.7%, skipped 0",
            "fp16, static 2^48  test accuracy 12.7%, skipped 200",
        ],
        "mimetypes": ["text/html", "application/vnd.plotly.v1+json"],
    },
    "03-imagenet-pipeline.ipynb": {
        "text": [
            "   0  ankle_boot   50 train, 20 val",
            "   9  trouser      50 train, 20 val",
            "xs float32 [32, 32, 32, 3], ys int32 [32]",
            "validation tensors: x [200, 32, 32, 3], y [200]",
            "resnet: 31 layers, 20,290 parameters",
            "6 epochs x 15 steps = 90 steps, warmup 15",
            "every policy: top-1 above 3x chance: true, top-5 above 90%: true",
            "mixed_float16: dynamic loss scale, 2^16 at the end, 0 skipped steps",
            "tensors left: 0",
        ],
        "mimetypes": ["image/png", "text/html"],
    },
    "04-fp8-and-mx.ipynb": {
        "text": [
            "float8_e4m3fn  17.8 octaves, 8 values per octave, max rel. rounding error 6.25%",
            "float8_e5m2    31.8 octaves, 4 values per octave, max rel. rounding error 12.50%",
            "e4m3, no scale  rel. error 0.5974, lost to zero 65.7%",
            "e4m3, scaled    rel. error 0.0225, lost to zero 0.0%",
            "4     8      56     56           14              7340032",
            "8     0.5    896    896          224             117440512",
            "step 3 x8   max: scale 113.3     clipped 62.1%",
            "step 5 x8   max: scale 14.17     clipped 0.0%   lost 0.0%   error 0.022   most_recent: scale 113.3     clipped 62.1%",
            "step 8 x4^-7   e4m3: scale 113.3     clipped 0.0%   lost 12.1%  error 0.089   e5m2: scale 1.451e+4  clipped 0.0%   lost 0.0%   error 0.045",
            "fp8_hybrid within 1 point of float32: true",
            "mixed_bfloat16 within 1 point of float32: true",
            "fp8 without scaling more than 1 point below fp8_hybrid: true",
            "delayed scaling (max over 1024, margin 0)",
            "float8_e4m3fn      0.0%          0.022                       0.0%           0.0%          0.022",
            "float4_e2m1fn     99.2%          1.000                      96.9%           9.6%          0.152",
            "mxfp8_e4m3: 16 values past 448 after scaling, clipped",
        ],
        "mimetypes": ["text/html", "application/vnd.plotly.v1+json"],
    },
    "05-naive-fp16.ipynb": {
        "text": [
            "float32 update, plain loss vs shrunk loss with lr x 2^24: largest difference 0",
            "1 - 1e-4 in float16 -> 1",
            "1 - 3e-4 in float16 -> 0.99951171875",
            "after 100 updates of -1e-4: float16 weight 1, float32 weight 0.989998",
            "weight gradients             flushed to zero in float16: plain loss   0.0%, loss x 2^-24 100.0%",
            "policy float16: params=float16,compute=float16,output=float16",
            "nonzero gradient entries in 500 steps: 0",
            "naive float16: does not learn",
            "+ master weights: does not learn",
            "master weights + dynamic loss scaling: learns",
            "within 1 point",
            "steps skipped: 0",
        ],
        "mimetypes": ["text/html"],
    },
    "06-amp-advisor.ipynb": {
        "text": [
            "recommended compute format: bfloat16",
            "float16   keeps 1 layer in float32: ff_out (6.32% of activations overflow)",
            "bfloat16  keeps 0 layers in float32: -",
            'keep "ff_out" in float32: 6.32% of activations overflow',
            "loss scale: amp.lossScale.dynamic({ init: 2 ** 16 })",
            "ff_out computes in float32, ff_in in float16",
            "lost to underflow in float16, scaled by 2^16: 0.0 %",
            "mixed_float16    skipped 200 of 200 steps",
            "advised runs within 2 points of float32: true",
            "mixed_float16 without the override learned: false",
            "float8_e4m3fn    keeps 5 of 5 layers in float32",
        ],
        "mimetypes": ["text/html", "application/vnd.plotly.v1+json"],
    },
}


def outputs_of(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield from cell.get("outputs", [])


def text_of(nb):
    parts = []
    for out in outputs_of(nb):
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out and "text/plain" in out.data:
            parts.append(out.data["text/plain"])
    return ANSI.sub("", "\n".join(parts))


class NotebookRuns(unittest.TestCase):
    pass


def make_test(path):
    name = os.path.basename(path)

    def test(self):
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name=KERNEL, timeout=300, resources={"metadata": {"path": os.path.dirname(path)}})
        client.execute()
        errors = [out for out in outputs_of(nb) if out.output_type == "error"]
        self.assertEqual(errors, [], f"{name} produced errors")
        expected = EXPECTED.get(name)
        self.assertIsNotNone(expected, f"{name} has no expectations in test_notebooks.py: add what the lesson must show")
        text = text_of(nb)
        for snippet in expected["text"]:
            self.assertIn(snippet, text, f"{name} should show {snippet!r}")
        mimetypes = {m for out in outputs_of(nb) for m in out.get("data", {})}
        for mimetype in expected["mimetypes"]:
            self.assertIn(mimetype, mimetypes, f"{name} should display {mimetype}")

    return test


for notebook in sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb"))):
    test_name = "test_" + re.sub(r"\W", "_", os.path.basename(notebook)[:-6])
    setattr(NotebookRuns, test_name, make_test(notebook))


if __name__ == "__main__":
    unittest.main()
