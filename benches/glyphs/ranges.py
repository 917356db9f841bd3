"""Glyph ranges for the glyphs benchmark.

  ranges.py list PREFIX SUFFIX   every range of every stack, one path a line
  ranges.py cold BASE PATHS      fetch each path once (4 at a time) from a fresh
                                 server: prints ranges/s, bytes and the SHA-256
                                 of all bodies in path order (the same on both
                                 sides means the same glyphs, byte for byte)
"""
import concurrent.futures
import hashlib
import sys
import time
import urllib.parse
import urllib.request

# One font per stack: for a stack of two, martin sends every glyph of both
# fonts (twice the bytes) where the atlas sends each code point once (the
# first font's, as MapLibre draws it), so only single fonts are equal work.
STACKS = ["Noto Sans Regular", "Noto Sans Bold"]


def paths(prefix, suffix):
    for stack in STACKS:
        for start in range(0, 65536, 256):
            yield f"{prefix}/{urllib.parse.quote(stack)}/{start}-{start + 255}{suffix}"


def fetch(url):
    with urllib.request.urlopen(url) as response:
        if response.status != 200:
            raise SystemExit(f"{url}: {response.status}")
        return response.read()


def cold(base, path_file):
    urls = [base + line.strip() for line in open(path_file) if line.strip()]
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        bodies = list(pool.map(fetch, urls))
    seconds = time.perf_counter() - started
    digest = hashlib.sha256(b"".join(hashlib.sha256(body).digest() for body in bodies)).hexdigest()
    print(f"{len(urls) / seconds:.1f}\t{sum(map(len, bodies))}\t{digest[:16]}\t{sum(1 for b in bodies if len(b) > 40)}")


if __name__ == "__main__":
    if sys.argv[1] == "list":
        print("\n".join(paths(sys.argv[2], sys.argv[3])))
    else:
        cold(sys.argv[2], sys.argv[3])
