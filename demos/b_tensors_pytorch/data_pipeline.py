"""Datasets and the DataLoader: indexing, streaming, batching, shuffling, collate (b.05–b.07).

Two kinds of dataset feed a ``DataLoader``:

* a map-style ``Dataset`` (b.05) — here the 8×8 digits — defines ``__len__`` and
  ``__getitem__(i)``; each sample is a dict ``{"image": (1, 8, 8), "label", "index"}``.
  The loader's sampler draws indices (a fresh permutation every epoch when
  ``shuffle=True``, reproducible with a seeded ``generator``), fetches the samples and
  the *collate* function stacks them into batch tensors ``(B, 1, 8, 8)``, ``(B,)``;
  ``len(loader)`` is ⌈N/B⌉, or ⌊N/B⌋ with ``drop_last=True``, which drops the short last
  batch (b.07);
* an ``IterableDataset`` (b.06) — a generated stream of 2-D points — defines only
  ``__iter__``: no indices, so no sampler, no ``shuffle`` and no ``len``; with
  ``num_workers > 0`` each worker process gets a copy of the dataset and must take its
  own share of the stream (``get_worker_info``), or every sample comes out once per worker.

The run trains a softmax classifier on the digits through the loader. Live: the batch as
collated (images and label histogram), the order in which the sampler visits the data
set this epoch (noise when shuffled, a ramp when not), loss and held-out accuracy.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

from demos.lib.images import montage
from demos.platform import (
    Check,
    Demo,
    DemoError,
    Frame,
    RunContext,
    heatmap,
    histogram,
    picture,
)
from demos.platform.data import load_digits
from demos.platform.figures import plot_history, save_figure, subplots


class DigitsDataset(Dataset):
    """Map-style: random access by index and a known length.

    Defined at module level so that worker processes started with ``spawn`` can unpickle
    it by name.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        self.images, self.labels = images, labels  # (N, 1, 8, 8), (N,)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {
            "image": torch.from_numpy(self.images[i]),
            "label": int(self.labels[i]),
            "index": int(i),
        }


class PointStream(IterableDataset):
    """Iterable-style: only __iter__; sample i is generated from seed + i, in any worker."""

    def __init__(self, n: int, seed: int, shard: bool = True):
        self.n, self.seed, self.shard = n, seed, shard

    def __iter__(self) -> Iterator[dict[str, Any]]:
        info = get_worker_info()  # None in the main process
        first, every = (info.id, info.num_workers) if (info and self.shard) else (0, 1)
        for i in range(first, self.n, every):  # this worker's share of the stream
            rng = np.random.default_rng(self.seed + i)
            angle, label = rng.uniform(0, math.pi), int(rng.integers(0, 2))
            if label:
                point = [math.cos(angle), math.sin(angle)]
            else:
                point = [1 - math.cos(angle), 0.5 - math.sin(angle)]
            yield {"x": torch.tensor(point, dtype=torch.float32), "label": label, "index": i}


def make_digits_dataset(x: np.ndarray, y: np.ndarray) -> DigitsDataset:
    """A map-style dataset over NumPy arrays (N, 1, 8, 8), (N,)."""
    return DigitsDataset(x, y)


def make_point_stream(n: int, seed: int, shard: bool = True) -> PointStream:
    """An IterableDataset of n generated points; ``shard`` splits it across workers."""
    return PointStream(n, seed, shard)


def expected_batches(n: int, batch: int, drop_last: bool) -> int:
    return n // batch if drop_last else math.ceil(n / batch)


def check_lengths(cases=((1497, 32), (10, 3), (12, 4), (5, 8)), count=expected_batches) -> Check:
    """``len(DataLoader)`` == ⌈N/B⌉ (⌊N/B⌋ with drop_last), and so is the batch count."""
    rows, ok = [], True
    for n, b in cases:
        for drop in (False, True):
            dl = DataLoader(TensorDataset(torch.arange(n)), batch_size=b, drop_last=drop)
            sizes = [len(batch[0]) for batch in dl]
            want = count(n, b, drop)
            last = (n % b or b) if not drop else b
            ok &= len(dl) == want == len(sizes) and (not sizes or sizes[-1] == last)
            rows.append(f"N={n},B={b},drop_last={drop}: {len(dl)} (formula {want})")
    return Check("loader-length", bool(ok), "; ".join(rows[:4]) + f"; … {len(rows)} cases")


def check_shuffle(n: int = 50, seed: int = 0) -> Check:
    """Same seed → same order; another seed or the next epoch → another permutation."""

    def order(s: int, epochs: int = 1) -> list[list[int]]:
        dl = DataLoader(
            range(n), batch_size=7, shuffle=True, generator=torch.Generator().manual_seed(s)
        )
        return [torch.cat(list(dl)).tolist() for _ in range(epochs)]

    a, b, c = order(seed, 2), order(seed, 2), order(seed + 1)
    plain = torch.cat(list(DataLoader(range(n), batch_size=7))).tolist()
    ok = (
        a == b
        and a[0] != c[0]
        and a[0] != a[1]
        and all(sorted(e) == list(range(n)) for e in (*a, *c))
        and plain == list(range(n))
    )
    return Check(
        "seeded-shuffle",
        bool(ok),
        f"seed {seed} twice: same order {a == b}; seed {seed + 1} differs {a[0] != c[0]}; "
        f"epoch 2 reshuffled {a[0] != a[1]}; every epoch a permutation of 0..{n - 1}; "
        f"shuffle=False gives 0..{n - 1} in order {plain == list(range(n))}",
    )


def check_collate(dataset, batch: int) -> Check:
    """Default collate stacks dict samples field by field; a custom one pads sequences."""
    got = next(iter(DataLoader(dataset, batch_size=batch)))
    samples = [dataset[i] for i in range(batch)]
    stacked = torch.stack([s["image"] for s in samples])
    ok = (
        tuple(got["image"].shape) == (batch, *samples[0]["image"].shape)
        and got["image"].dtype == torch.float32
        and got["label"].dtype == torch.int64
        and tuple(got["label"].shape) == (batch,)
        and torch.equal(got["image"], stacked)
        and got["label"].tolist() == [s["label"] for s in samples]
    )

    def pad(items: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        return pad_sequence(items, batch_first=True), torch.tensor([len(t) for t in items])

    seqs = [torch.ones(k) for k in (3, 5, 2)]
    padded, lengths = next(iter(DataLoader(seqs, batch_size=3, collate_fn=pad)))
    ok &= tuple(padded.shape) == (3, 5) and lengths.tolist() == [3, 5, 2]
    ok &= padded.sum().item() == 10.0  # padding is zeros
    return Check(
        "collate-shapes",
        bool(ok),
        f"dict samples → image {tuple(got['image'].shape)} {got['image'].dtype}, label "
        f"{tuple(got['label'].shape)} {got['label'].dtype} (== torch.stack of the samples); "
        f"pad collate of lengths 3,5,2 → {tuple(padded.shape)}, lengths {lengths.tolist()}",
    )


def check_iterable(n: int, workers: int, seed: int) -> Check:
    """No shuffle and no len for a stream; sharded workers yield each sample once, unsharded W×."""
    stream = make_point_stream(n, seed)
    try:
        DataLoader(stream, shuffle=True)
        refuses_shuffle = False
    except ValueError:
        refuses_shuffle = True
    try:
        len(stream)
        has_len = True
    except TypeError:
        has_len = False

    def counts(shard: bool) -> collections.Counter:
        dl = DataLoader(make_point_stream(n, seed, shard), batch_size=4, num_workers=workers)
        return collections.Counter(i for b in dl for i in b["index"].tolist())

    sharded, naive = counts(True), counts(False)
    once = sorted(sharded) == list(range(n)) and set(sharded.values()) == {1}
    dup = set(naive.values()) == {max(1, workers)}
    return Check(
        "iterable-dataset",
        bool(refuses_shuffle and not has_len and once and dup),
        f"shuffle=True raises ValueError {refuses_shuffle}; len() defined {has_len}; "
        f"{workers} workers: sharded by get_worker_info → {sum(sharded.values())} samples, each "
        f"once {once}; unsharded → {sum(naive.values())} samples, each {max(1, workers)}× {dup}",
    )


class DataPipeline(Demo):
    def setup(self, ctx: RunContext) -> None:
        digits = load_digits()
        perm = ctx.rng().permutation(len(digits.y))
        test, train = perm[:300], perm[300:]
        self.train_set = make_digits_dataset(digits.x[train], digits.y[train])
        self.eval_x = torch.from_numpy(digits.x[test]).to(ctx.device)  # (300, 1, 8, 8)
        self.eval_y = torch.from_numpy(digits.y[test]).to(ctx.device)
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).to(ctx.device)

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        yield check_lengths(((len(self.train_set), p["batch"]), (10, 3), (12, 4), (5, 8)))
        yield check_shuffle(seed=ctx.seed)
        yield check_collate(self.train_set, min(p["batch"], 16))
        yield check_iterable(40, p["check_workers"], ctx.seed)

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        loader = DataLoader(
            self.train_set,
            batch_size=p["batch"],
            shuffle=p["shuffle"],
            drop_last=p["drop_last"],
            num_workers=p["workers"],
            generator=torch.Generator().manual_seed(ctx.seed),
            pin_memory=ctx.cuda,
        )
        if len(loader) == 0:
            raise DemoError("batch is larger than the data set and drop_last=True: no batches")
        self.n_batches = len(loader)
        opt = torch.optim.Adam(self.model.parameters(), lr=p["lr"])
        n = len(self.train_set)
        self.visit = torch.full((n,), -1.0)  # batch number at which each index was drawn
        self.epoch_checks: list[bool] = []
        step, epoch = 0, 0
        while step < ctx.total_steps:
            self.visit.fill_(-1.0)
            seen: list[int] = []
            for k, batch in enumerate(loader):
                x = batch["image"].to(ctx.device, non_blocking=True)  # (B, 1, 8, 8)
                y = batch["label"].to(ctx.device, non_blocking=True)  # (B,)
                loss = F.cross_entropy(self.model(x), y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                idx = batch["index"]
                self.visit[idx] = float(k)
                seen += idx.tolist()
                if ctx.wants(step):
                    yield self._frame(ctx, step, epoch, k, batch, loss)
                step += 1
                if step >= ctx.total_steps:
                    break
            else:  # a complete epoch: each index at most once, all of them unless drop_last
                want = n - (n % p["batch"] if p["drop_last"] else 0)
                self.epoch_checks.append(len(seen) == len(set(seen)) == want)
            epoch += 1

    def _frame(self, ctx, step, epoch, k, batch, loss) -> Frame:
        with torch.no_grad():
            acc = (self.model(self.eval_x).argmax(1) == self.eval_y).float().mean().item()
        labels = batch["label"]
        n = len(self.visit)
        cols = 50
        grid = torch.full((math.ceil(n / cols) * cols,), -1.0)
        grid[:n] = self.visit
        shown = batch["image"][:8]
        self.last = {
            "images": shown,
            "labels": labels[:8].tolist(),
            "visit": grid.view(-1, cols).clone(),
        }
        return Frame(
            step=step,
            metrics={
                "loss": loss.item(),
                "accuracy": acc,
                "epoch": float(epoch),
                "epoch_fraction": (k + 1) / self.n_batches,
                "batch_size": float(len(labels)),
            },
            pictures=[
                picture(f"batch {k}: first images, labels {labels[:8].tolist()}", montage(shown))
            ],
            heatmaps=[
                heatmap(
                    f"epoch {epoch}: batch at which each index was drawn (−1 = not yet)",
                    grid.view(-1, cols),
                    f"index mod {cols}",
                    f"index // {cols}",
                )
            ],
            histograms=[
                histogram(
                    f"labels in batch {k} (B = {len(labels)})",
                    torch.bincount(labels, minlength=10),
                    [str(d) for d in range(10)],
                )
            ],
        )

    def learned(self, ctx: RunContext) -> Check:
        acc = ctx.final.get("accuracy", math.nan)
        epochs_ok = all(self.epoch_checks)
        return Check(
            "learning",
            bool(acc >= 0.85 and epochs_ok),
            f"held-out accuracy {acc:.3f} (floor 0.85, chance 0.10); {len(self.epoch_checks)} "
            f"complete epochs, each visiting every index once: {epochs_ok}",
        )

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        fig, axes = subplots(2, 2, (12, 8))
        ax = axes[0, 0]
        ax.imshow(montage(self.last["images"]).numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"a collated batch (first 8), labels {self.last['labels']}")
        ax.axis("off")
        ax = axes[0, 1]
        im = ax.imshow(self.last["visit"].numpy(), aspect="auto", cmap="viridis")
        ax.set(
            title=f"batch number of each index, last epoch (shuffle={ctx.params['shuffle']})",
            xlabel="index mod 50",
            ylabel="index // 50",
        )
        fig.colorbar(im, ax=ax, fraction=0.046)
        ax = axes[1, 0]
        hist = ctx.history
        plot_history(ax, hist, ["accuracy"], labels=["held-out accuracy"])
        plot_history(ax, hist, ["loss"], labels=["batch loss"])
        ax.set(xlabel="step", title="training through the DataLoader")
        ax.legend()
        ax = axes[1, 1]
        stream = DataLoader(make_point_stream(200, ctx.seed), batch_size=50)
        for b, batch in enumerate(stream):
            pts = batch["x"].numpy()
            ax.scatter(pts[:, 0], pts[:, 1], s=8, label=f"batch {b}")
        ax.set(title="IterableDataset: a stream of 2-D points, batched in arrival order")
        ax.legend(fontsize=8)
        title = (
            f"data-pipeline: B = {ctx.params['batch']}, drop_last = {ctx.params['drop_last']}, "
            f"{self.n_batches} batches per epoch ({ctx.device})"
        )
        return [save_figure(out_dir, "data-pipeline", fig, title=title, dpi=110)]
