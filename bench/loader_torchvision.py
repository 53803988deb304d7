"""torchvision's ImageFolder + DataLoader on an image folder, for bench/loader.mjs (run by it).

Same transforms as the tsamp side: RandomResizedCrop(crop) + RandomHorizontalFlip + ToTensor +
Normalize(ImageNet), DataLoader(batch_size, shuffle=True, num_workers, persistent_workers=False).
Stays up and runs one epoch per line read from stdin ("epoch"), printing one JSON line per epoch:
wall seconds, images, CPU seconds of this process and of its (reaped) worker processes.
Run with Debian's interpreter: /usr/bin/python3 (python3-torchvision).
"""
import json
import resource
import sys
import time

import torch
import torchvision
from torchvision import transforms as T


def cpu_seconds():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def main():
    root, crop, batch, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    transform = T.Compose([
        T.RandomResizedCrop(crop),
        T.RandomHorizontalFlip(),
        T.ToTensor(),
        T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    dataset = torchvision.datasets.ImageFolder(root, transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=workers)
    print(json.dumps({"ready": True, "torch": torch.__version__, "torchvision": torchvision.__version__,
                      "images": len(dataset), "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        if line.strip() != "epoch":
            break
        own0, kids0 = cpu_seconds()
        start = time.perf_counter()
        n = 0
        shape = None
        for xs, ys in loader:
            n += xs.shape[0]
            shape = list(xs.shape)
        wall = time.perf_counter() - start
        own1, kids1 = cpu_seconds()
        print(json.dumps({"wall": wall, "images": n, "cpu": own1 - own0, "workers_cpu": kids1 - kids0, "shape": shape}), flush=True)


if __name__ == "__main__":
    main()
