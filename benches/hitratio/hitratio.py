"""Miss ratios of ferricache beside libCacheSim's LRU, ARC, S3-FIFO, SIEVE and W-TinyLFU.

The same seeded Zipf streams (100k objects, alpha 0.8 and 1.0) go through every policy, at
cache sizes of 1% and 10% of the objects. Run through run.sh, which builds the replay binary.
"""

import os
import subprocess
import sys
import tempfile

import libcachesim as lcs

OBJECTS = 100_000
REQUESTS = int(os.environ.get("REQUESTS", "1000000"))
SEED = 42
OBJ_SIZE = 100  # uniform, so byte and object capacities agree
REPLAY = sys.argv[1]

PEERS = {
    "LRU": lambda size: lcs.LRU(size),
    "ARC": lambda size: lcs.ARC(size),
    "S3-FIFO": lambda size: lcs.S3FIFO(size),
    "SIEVE": lambda size: lcs.Sieve(size),
    "W-TinyLFU": lambda size: lcs.WTinyLFU(size),
}
FERRI = [("ferricache s3-fifo (default, 16 shards)", "s3-fifo", 16), ("ferricache s3-fifo (1 shard)", "s3-fifo", 1), ("ferricache allkeys-lru", "allkeys-lru", 16), ("ferricache allkeys-lfu", "allkeys-lfu", 16)]


def reader(alpha):
    return lcs.SyntheticReader(num_of_req=REQUESTS, obj_size=OBJ_SIZE, alpha=alpha, dist="zipf", num_objects=OBJECTS, seed=SEED)


def main():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for alpha in (0.8, 1.0):
            stream = os.path.join(tmp, f"zipf-{alpha}.u32")
            reader(alpha).obj_ids.astype("<u4").tofile(stream)
            for pct in (1, 10):
                objects = OBJECTS * pct // 100
                results = {}
                for name, make in PEERS.items():
                    miss, _ = make(objects * OBJ_SIZE).process_trace(reader(alpha))
                    results[name] = miss
                for name, policy, shards in FERRI:
                    out = subprocess.run([REPLAY, stream, str(objects), policy, str(shards)], check=True, capture_output=True, text=True)
                    results[name] = float(out.stdout)
                rows.append((alpha, pct, results))
    names = list(PEERS) + [f[0] for f in FERRI]
    print(f"Miss ratio (%), Zipf over {OBJECTS} objects, {REQUESTS} requests, seed {SEED}\n")
    print("| policy | " + " | ".join(f"a={a} {p}%" for a, p, _ in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{r[name] * 100:.2f}" for _, _, r in rows) + " |")
    best = [min(r[n] for n in PEERS) for _, _, r in rows]
    default = names[len(PEERS)]
    print("| ferricache default minus best peer | " + " | ".join(f"{(r[default] - b) * 100:+.2f}" for (_, _, r), b in zip(rows, best)) + " |")


if __name__ == "__main__":
    main()
