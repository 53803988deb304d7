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
            "share rounded up: 0.125",
            "2.980e-8    -> zero",
            "70000  in float16          -> Infinity  saturated -> 65504",
            "500    in float8_e4m3fn    -> NaN       saturated -> 448",
            "7      in float4_e2m1fn    -> 6         saturated -> 6",
        ],
        "mimetypes": ["text/html"],
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
