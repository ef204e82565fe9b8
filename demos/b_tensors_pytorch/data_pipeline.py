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
  own share of the stream (``get_worker_info``), or every sample comes out once per worker;
  the batches arrive from the workers in turn.

Why shuffle: the run trains two softmax classifiers with plain SGD from the same
initial weights. One reads the digits through a shuffling loader; its twin reads the same
images stored sorted by label with ``shuffle=False``, as a file on disk often is: each of
its batches holds one or two digits, so every step pulls the model towards the digit of
the moment and held-out accuracy swings far below the shuffled run's. Live: the batch as
collated, the order in which each sampler visits the data set this epoch (noise when
shuffled, a ramp when not), the labels in each batch, loss and held-out accuracy of both.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib import colormaps
from matplotlib.patheffects import Normal, Stroke
from torch import nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

from demos.lib.images import montage
from demos.platform import (
    Bilingual,
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
from demos.platform.figures import animation, integer_ticks, plot_history, save_figure, subplots

COLS = 50  # the visit map folds the data set's indices into rows of this many
WORKER_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


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
        worker = info.id if info else -1
        for i in range(first, self.n, every):  # this worker's share of the stream
            rng = np.random.default_rng(self.seed + i)
            angle, label = rng.uniform(0, math.pi), int(rng.integers(0, 2))
            if label:
                point = [math.cos(angle), math.sin(angle)]
            else:
                point = [1 - math.cos(angle), 0.5 - math.sin(angle)]
            yield {
                "x": torch.tensor(point, dtype=torch.float32),
                "label": label,
                "index": i,
                "worker": worker,
            }


def make_digits_dataset(x: np.ndarray, y: np.ndarray) -> DigitsDataset:
    """A map-style dataset over NumPy arrays (N, 1, 8, 8), (N,)."""
    return DigitsDataset(x, y)


def make_point_stream(n: int, seed: int, shard: bool = True) -> PointStream:
    """An IterableDataset of n generated points; ``shard`` splits it across workers."""
    return PointStream(n, seed, shard)


def expected_batches(n: int, batch: int, drop_last: bool) -> int:
    return n // batch if drop_last else math.ceil(n / batch)


def batch_sizes(n: int, batch: int, drop_last: bool) -> list[int]:
    """The size of every batch of one epoch, as ``DataLoader`` makes them."""
    return [
        len(b[0]) for b in DataLoader(TensorDataset(torch.arange(n)), batch, drop_last=drop_last)
    ]


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


def pad_collate(items: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """A custom collate: sequences of different lengths → zero-padded (B, T_max) + lengths."""
    return pad_sequence(items, batch_first=True), torch.tensor([len(t) for t in items])


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
    seqs = [torch.ones(k) for k in (3, 5, 2)]
    padded, lengths = next(iter(DataLoader(seqs, batch_size=3, collate_fn=pad_collate)))
    ok &= tuple(padded.shape) == (3, 5) and lengths.tolist() == [3, 5, 2]
    ok &= padded.sum().item() == 10.0  # padding is zeros
    return Check(
        "collate-shapes",
        bool(ok),
        f"dict samples → image {tuple(got['image'].shape)} {got['image'].dtype}, label "
        f"{tuple(got['label'].shape)} {got['label'].dtype} (== torch.stack of the samples); "
        f"pad collate of lengths 3,5,2 → {tuple(padded.shape)}, lengths {lengths.tolist()}",
    )


def stream_arrivals(n: int, workers: int, seed: int, shard: bool) -> list[tuple[int, int, int]]:
    """(sample index, worker id, batch number) in the order the main process receives them."""
    dl = DataLoader(make_point_stream(n, seed, shard), batch_size=4, num_workers=workers)
    return [
        (i, w, k)
        for k, b in enumerate(dl)
        for i, w in zip(b["index"].tolist(), b["worker"].tolist(), strict=True)
    ]


def check_iterable(n: int, workers: int, seed: int, record: dict[str, list] | None = None) -> Check:
    """No shuffle and no len for a stream; sharded workers yield each sample once, unsharded W×.

    ``record``, when given, receives the arrival order of both loaders (for the figure).
    """
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
    arrivals = {
        kind: stream_arrivals(n, workers, seed, kind == "sharded") for kind in ("sharded", "naive")
    }
    if record is not None:
        record.update(arrivals)
    sharded = collections.Counter(i for i, _, _ in arrivals["sharded"])
    naive = collections.Counter(i for i, _, _ in arrivals["naive"])
    once = sorted(sharded) == list(range(n)) and set(sharded.values()) == {1}
    dup = set(naive.values()) == {max(1, workers)}
    return Check(
        "iterable-dataset",
        bool(refuses_shuffle and not has_len and once and dup),
        f"shuffle=True raises ValueError {refuses_shuffle}; len() defined {has_len}; "
        f"{workers} workers: sharded by get_worker_info → {sum(sharded.values())} samples, each "
        f"once {once}; unsharded → {sum(naive.values())} samples, each {max(1, workers)}× {dup}",
    )


def _thin(steps: Sequence[int], most: int) -> list[int]:
    """At most ``most`` of the steps, evenly spread, always with the first and the last."""
    steps = list(steps)
    if len(steps) <= most:
        return steps
    picks = {round(i * (len(steps) - 1) / (most - 1)) for i in range(most)}
    return [steps[i] for i in sorted(picks)]


def _fold(visit: torch.Tensor) -> np.ndarray:
    """Visit numbers per index folded into rows of COLS; NaN where not yet drawn or no index."""
    n = len(visit)
    grid = np.full(math.ceil(n / COLS) * COLS, np.nan)
    values = visit.numpy().astype(float)
    values[values < 0] = np.nan
    grid[:n] = values
    return grid.reshape(-1, COLS)


class DataPipeline(Demo):
    def setup(self, ctx: RunContext) -> None:
        digits = load_digits()
        perm = ctx.rng().permutation(len(digits.y))
        test, train = perm[:300], perm[300:]
        x, y = digits.x[train], digits.y[train]
        self.train_set = make_digits_dataset(x, y)
        order = np.argsort(y, kind="stable")  # the same images, stored sorted by label
        self.sorted_set = make_digits_dataset(x[order], y[order])
        self.eval_x = torch.from_numpy(digits.x[test]).to(ctx.device)  # (300, 1, 8, 8)
        self.eval_y = torch.from_numpy(digits.y[test]).to(ctx.device)
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).to(ctx.device)
        self.twin = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).to(ctx.device)
        self.twin.load_state_dict(self.model.state_dict())  # the same start
        self.arrivals: dict[str, list] = {}

    def checks(self, ctx: RunContext) -> Iterator[Check]:
        p = ctx.params
        yield check_lengths(((len(self.train_set), p["batch"]), (10, 3), (12, 4), (5, 8)))
        yield check_shuffle(seed=ctx.seed)
        yield check_collate(self.train_set, min(p["batch"], 16))
        yield check_iterable(24, p["check_workers"], ctx.seed, record=self.arrivals)

    def _loaders(self, ctx: RunContext) -> dict[str, DataLoader]:
        p = ctx.params
        common = {"batch_size": p["batch"], "drop_last": p["drop_last"], "pin_memory": ctx.cuda}
        return {
            "main": DataLoader(
                self.train_set,
                shuffle=p["shuffle"],
                num_workers=p["workers"],
                generator=torch.Generator().manual_seed(ctx.seed),
                **common,
            ),
            "sorted": DataLoader(self.sorted_set, shuffle=False, **common),
        }

    def run(self, ctx: RunContext) -> Iterator[Frame]:
        p = ctx.params
        loaders = self._loaders(ctx)
        if len(loaders["main"]) == 0:
            raise DemoError("batch is larger than the data set and drop_last=True: no batches")
        self.n_batches = len(loaders["main"])
        models = {"main": self.model, "sorted": self.twin}
        opts = {k: torch.optim.SGD(m.parameters(), lr=p["lr"]) for k, m in models.items()}
        n = len(self.train_set)
        visit = {k: torch.full((n,), -1.0) for k in models}  # batch at which each index came
        self.first_epoch: dict[str, torch.Tensor] = {}
        self.epoch_labels: dict[str, list[list[int]]] = {k: [] for k in models}
        self.epoch_checks: list[bool] = []
        self.snapshots: dict[int, dict[str, Any]] = {}
        self.classes: dict[str, list[int]] = {k: [] for k in models}  # digits per batch
        step, epoch = 0, 0
        while step < ctx.total_steps:
            for v in visit.values():
                v.fill_(-1.0)
            seen: list[int] = []
            iters = {k: iter(dl) for k, dl in loaders.items()}
            for k in range(self.n_batches):
                batches = {key: next(it) for key, it in iters.items()}
                losses = {}
                for key, batch in batches.items():
                    x = batch["image"].to(ctx.device, non_blocking=True)  # (B, 1, 8, 8)
                    y = batch["label"].to(ctx.device, non_blocking=True)  # (B,)
                    loss = F.cross_entropy(models[key](x), y)
                    opts[key].zero_grad(set_to_none=True)
                    loss.backward()
                    opts[key].step()
                    losses[key] = loss.item()
                    visit[key][batch["index"]] = float(k)
                    self.classes[key].append(len(set(batch["label"].tolist())))
                    if epoch == 0:
                        self.epoch_labels[key].append(batch["label"].tolist())
                seen += batches["main"]["index"].tolist()
                if ctx.wants(step):
                    yield self._frame(ctx, step, epoch, k, batches, losses, visit)
                step += 1
                if step >= ctx.total_steps:
                    break
            else:  # a complete epoch: each index at most once, all of them unless drop_last
                want = n - (n % p["batch"] if p["drop_last"] else 0)
                self.epoch_checks.append(len(seen) == len(set(seen)) == want)
                if not self.first_epoch:
                    self.first_epoch = {key: v.clone() for key, v in visit.items()}
            epoch += 1
        return self.caption(ctx)

    def _frame(self, ctx, step, epoch, k, batches, losses, visit) -> Frame:
        with torch.no_grad():
            acc = {
                key: (m(self.eval_x).argmax(1) == self.eval_y).float().mean().item()
                for key, m in (("main", self.model), ("sorted", self.twin))
            }
        labels = {key: b["label"] for key, b in batches.items()}
        counts = {key: torch.bincount(v, minlength=10) for key, v in labels.items()}
        if ctx.should_record(step):  # what the GIF shows, at the fixed record steps
            self.snapshots[step] = {
                "visit": {key: v.clone() for key, v in visit.items()},
                "counts": {key: c.tolist() for key, c in counts.items()},
                "epoch": epoch,
                "batch": k,
            }
        shown = batches["main"]["image"][:8]
        self.last = {"images": batches["main"]["image"], "labels": labels["main"].tolist()}
        vmax = float(self.n_batches - 1)
        grids = {
            key: torch.from_numpy(np.nan_to_num(_fold(v), nan=-1.0)) for key, v in visit.items()
        }
        return Frame(
            step=step,
            metrics={
                "loss": losses["main"],
                "loss_sorted": losses["sorted"],
                "accuracy": acc["main"],
                "accuracy_sorted": acc["sorted"],
                "epoch": float(epoch),
                "epoch_fraction": (k + 1) / self.n_batches,
                "batch_size": float(len(labels["main"])),
                "digits_per_batch": float(len(set(labels["main"].tolist()))),
                "digits_per_batch_sorted": float(len(set(labels["sorted"].tolist()))),
            },
            pictures=[
                picture(
                    f"batch {k}: first images, labels {labels['main'][:8].tolist()}",
                    montage(shown),
                )
            ],
            heatmaps=[
                heatmap(
                    f"shuffled, epoch {epoch}: batch at which each index was drawn (−1 = not yet)",
                    grids["main"],
                    f"index mod {COLS}",
                    f"index // {COLS}",
                    vmin=-1.0,
                    vmax=vmax,
                ),
                heatmap(
                    f"sorted by label, shuffle=False, epoch {epoch}: a ramp",
                    grids["sorted"],
                    f"index mod {COLS}",
                    f"index // {COLS}",
                    key="visit-sorted",
                    vmin=-1.0,
                    vmax=vmax,
                ),
            ],
            histograms=[
                histogram(
                    f"labels in batch {k}, shuffled (B = {len(labels['main'])})",
                    counts["main"],
                    [str(d) for d in range(10)],
                ),
                histogram(
                    f"labels in batch {k}, sorted twin",
                    counts["sorted"],
                    [str(d) for d in range(10)],
                    key="labels-sorted",
                ),
            ],
        )

    # -- judging and telling -------------------------------------------------------------

    def contrast(self, ctx: RunContext) -> dict[str, float]:
        """Second-half mean accuracy of both runs and digits per batch, from the history."""
        late = ctx.history[len(ctx.history) // 2 :]

        def mean(key: str) -> float:
            values = [h[key] for h in late if h.get(key) is not None]
            return float(np.mean(values)) if values else math.nan

        return {
            "acc": mean("accuracy"),
            "acc_sorted": mean("accuracy_sorted"),
            "digits": float(np.mean(self.classes["main"])),
            "digits_sorted": float(np.mean(self.classes["sorted"])),
        }

    def learned(self, ctx: RunContext) -> Check:
        acc = ctx.final.get("accuracy", math.nan)
        epochs_ok = all(self.epoch_checks)
        c = self.contrast(ctx)
        margin = 0.2
        gap = c["acc"] - c["acc_sorted"]
        return Check(
            "learning",
            bool(acc >= 0.85 and epochs_ok and gap >= margin),
            f"held-out accuracy {acc:.3f} (floor 0.85, chance 0.10); {len(self.epoch_checks)} "
            f"complete epochs, each visiting every index once: {epochs_ok}; second half of the "
            f"run: shuffled {c['acc']:.3f} vs sorted twin with shuffle=False "
            f"{c['acc_sorted']:.3f} (lead {gap:.3f}, needs {margin}); digits per batch "
            f"{c['digits']:.1f} vs {c['digits_sorted']:.1f}",
        )

    def caption(self, ctx: RunContext) -> Bilingual:
        """What to look for, filled from this run's numbers."""
        c = self.contrast(ctx)
        p = ctx.params
        n = len(self.train_set)
        full, short = expected_batches(n, p["batch"], False), expected_batches(n, p["batch"], True)
        rest = n % p["batch"]
        w = p["check_workers"]

        def f(v: float, digits: int, it: bool) -> str:
            text = f"{v:.{digits}f}"
            return text.replace(".", ",") if it else text

        en = (
            f"Shuffled, a batch of {p['batch']} holds {f(c['digits'], 1, False)} different "
            f"digits on average and held-out accuracy averages {f(c['acc'], 2, False)} over the "
            f"second half; the same images stored sorted by label and read with shuffle=False "
            f"give batches of {f(c['digits_sorted'], 1, False)} digits, the model chases the "
            f"digit of the moment and averages {f(c['acc_sorted'], 2, False)}. {n} samples make "
            f"ceil({n}/{p['batch']}) = {full} batches (the last of {rest or p['batch']}), "
            f"floor({n}/{p['batch']}) = {short} with drop_last=True; the {w} workers of an "
            f"IterableDataset take turns, and without get_worker_info sharding each point "
            f"comes {w}×."
        )
        it = (
            f"Con il mescolamento un batch di {p['batch']} contiene in media "
            f"{f(c['digits'], 1, True)} cifre diverse e l'accuratezza sui dati di test è in media "
            f"{f(c['acc'], 2, True)} nella seconda metà; le stesse immagini salvate in ordine di "
            f"etichetta e lette con shuffle=False danno batch di {f(c['digits_sorted'], 1, True)} "
            f"cifre, il modello insegue la cifra del momento e si ferma in media a "
            f"{f(c['acc_sorted'], 2, True)}. {n} campioni danno ceil({n}/{p['batch']}) = {full} "
            f"batch (l'ultimo di {rest or p['batch']}), floor({n}/{p['batch']}) = {short} con "
            f"drop_last=True; i {w} worker di un IterableDataset si alternano e, senza la "
            f"suddivisione con get_worker_info, ogni punto arriva {w} volte."
        )
        return Bilingual(en=en, it=it)

    # -- figures -------------------------------------------------------------------------

    def _visit_panel(self, fig, ax, visit: torch.Tensor, title: str, colorbar: bool = True):
        cmap = colormaps["viridis"].with_extremes(bad="lightgrey")  # grey: not drawn yet
        im = ax.imshow(
            _fold(visit),
            cmap=cmap,
            vmin=0,
            vmax=self.n_batches - 1,
            aspect="auto",
            interpolation="nearest",
        )
        ax.set(title=title, xlabel=f"index mod {COLS}", ylabel=f"index // {COLS}")
        integer_ticks(ax, x=True, y=True)
        if colorbar:
            fig.colorbar(im, ax=ax, fraction=0.046, label="batch number in the epoch")
        return im

    def _labels_panel(self, fig, ax, key: str, title: str) -> None:
        """Rows: digits 0–9; columns: the batches of epoch 0; cells: how many of that digit."""
        table = np.zeros((10, len(self.epoch_labels[key])))
        for k, labels in enumerate(self.epoch_labels[key]):
            for d in labels:
                table[d, k] += 1
        top = max(len(b) for b in self.epoch_labels["main"])  # the fullest cell: one batch
        im = ax.imshow(
            table, cmap="Greens", vmin=0, vmax=top, aspect="auto", interpolation="nearest"
        )
        ax.set(title=title, xlabel="batch number in epoch 0", ylabel="digit")
        ax.set_yticks(range(10))
        integer_ticks(ax, x=True)
        fig.colorbar(im, ax=ax, fraction=0.046, label="samples of that digit")

    def figures(self, ctx: RunContext, out_dir: Path) -> list[Path]:
        p = ctx.params
        fig, axes = subplots(3, 3, (20, 15.5))
        visits = self.first_epoch or self.snapshots[max(self.snapshots)]["visit"]
        whole = "epoch 0 complete" if self.first_epoch else "epoch 0 (partial)"
        self._visit_panel(
            fig, axes[0, 0], visits["main"], f"shuffle={p['shuffle']}: batch of each index, {whole}"
        )
        self._visit_panel(
            fig,
            axes[0, 1],
            visits["sorted"],
            f"sorted by label, shuffle=False: batch of each index, {whole}",
        )
        ax = axes[0, 2]
        plot_history(
            ax,
            ctx.history,
            ["accuracy", "accuracy_sorted"],
            labels=[f"shuffle={p['shuffle']}", "sorted, shuffle=False"],
            styles=["-", "--"],
            ylim=(0, 1),
            ylabel="held-out accuracy",
            title="held-out accuracy: why the loader shuffles",
        )
        ax.axhline(0.1, color="grey", ls=":", label="chance 0.1")
        ax.legend(fontsize=9, loc="lower right")
        self._labels_panel(fig, axes[1, 0], "main", f"digits in each batch, shuffle={p['shuffle']}")
        self._labels_panel(fig, axes[1, 1], "sorted", "digits in each batch, sorted, shuffle=False")
        ax = axes[1, 2]
        plot_history(
            ax,
            ctx.history,
            ["loss", "loss_sorted"],
            labels=[f"shuffle={p['shuffle']}", "sorted, shuffle=False"],
            styles=["-", "--"],
            ylabel="cross-entropy of the batch",
            log=True,
            title="batch loss: the sorted run's batches are easy, one digit each",
        )
        self._collate_panel(fig, axes[2, 0], ctx)
        self._drop_last_panel(axes[2, 1], ctx)
        self._workers_panel(fig, axes[2, 2], ctx)
        cap = self.caption(ctx)
        title = (
            f"data-pipeline: N = {len(self.train_set)}, B = {p['batch']}, "
            f"drop_last = {p['drop_last']}, {self.n_batches} batches per epoch, SGD η = "
            f"{p['lr']:g} ({ctx.device})"
        )
        fig.suptitle(title, y=1.0, va="bottom", fontsize=13)  # above the panels' own titles
        png = save_figure(out_dir, "data-pipeline", fig, dpi=90, caption=f"{cap.en}\n{cap.it}")
        return [png, self._animation(ctx, out_dir)]

    def _collate_panel(self, fig, ax, ctx: RunContext) -> None:
        """A batch as default_collate stacks it (labels on the tiles) and a padding collate."""
        ax.axis("off")
        sub = ax.get_subplotspec().subgridspec(2, 1, height_ratios=(2.2, 1), hspace=0.45)
        top, bottom = fig.add_subplot(sub[0]), fig.add_subplot(sub[1])
        images = self.last["images"][:24]
        labels = self.last["labels"][:24]
        cols = 8
        grid = montage(images[:, 0], cols=cols, pad=float("nan")).numpy()
        top.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        for i, label in enumerate(labels):
            r, c = divmod(i, cols)
            top.text(
                c * 9 + 0.1,
                r * 9 + 0.9,
                str(label),
                color="yellow",
                fontsize=10,
                fontweight="bold",
                path_effects=[Stroke(linewidth=2.5, foreground="k"), Normal()],  # readable on white
            )
        b = len(self.last["labels"])
        top.set_title(
            f"default_collate: {b} dicts {{image (1, 8, 8), label, index}} →\n"
            f"batch['image'] ({b}, 1, 8, 8) float32, batch['label'] ({b},) int64 "
            "(24 shown, label in yellow)",
            fontsize=10,
        )
        top.axis("off")
        seqs = [torch.arange(1, k + 1, dtype=torch.float32) for k in (3, 5, 2)]
        padded, lengths = pad_collate(seqs)
        bottom.imshow(padded.numpy(), cmap="Blues", vmin=0, vmax=8, interpolation="nearest")
        for (i, j), v in np.ndenumerate(padded.numpy()):
            pad = j >= lengths[i]
            bottom.text(
                j,
                i,
                f"{v:.0f}",
                ha="center",
                va="center",
                fontsize=9,
                color="grey" if pad else "k",
            )
        bottom.set_yticks(range(3), [f"length {int(k)}" for k in lengths])
        bottom.set_xticks(range(padded.shape[1]))
        bottom.set_xlabel("time step")
        bottom.set_title(
            "collate_fn=pad_collate: 3 sequences → padded (3, 5) + lengths [3, 5, 2]"
            " (grey 0 = pad)",
            fontsize=10,
        )

    def _drop_last_panel(self, ax, ctx: RunContext) -> None:
        """Every batch size of one epoch with drop_last off and on, on one scale."""
        n, b = len(self.train_set), ctx.params["batch"]
        for row, drop in enumerate((False, True)):
            sizes = batch_sizes(n, b, drop)
            colours = ["tab:blue"] * len(sizes)
            if not drop and sizes and sizes[-1] < b:
                colours[-1] = "tab:orange"
            ax.bar(np.arange(len(sizes)), sizes, bottom=row * (b + 8), color=colours, width=0.8)
            words = f"drop_last={drop}: len(loader) = {len(sizes)}"
            if drop:
                words += f", the last {n - sum(sizes)} samples of the order skipped"
            elif sizes[-1] < b:
                words += f", the last batch has {sizes[-1]}"
            ax.text(0, row * (b + 8) + b + 1.5, words, fontsize=9)
        ax.set_yticks([0, b, b + 8, 2 * b + 8], ["0", str(b), "0", str(b)])
        ax.set(
            xlabel="batch number",
            ylabel="batch size",
            ylim=(0, 2 * b + 20),
            title=f"ceil({n}/{b}) = {math.ceil(n / b)} batches, or floor({n}/{b}) = {n // b} "
            "with drop_last=True",
        )
        integer_ticks(ax)

    def _workers_panel(self, fig, ax, ctx: RunContext) -> None:
        """The order in which the main process receives an IterableDataset's samples."""
        ax.axis("off")
        sub = ax.get_subplotspec().subgridspec(2, 1, hspace=0.55)
        w = ctx.params["check_workers"]
        for row, (kind, words) in enumerate(
            (
                ("sharded", "sharded by get_worker_info: each point once"),
                ("naive", f"not sharded: every point {w}×"),
            )
        ):
            a = fig.add_subplot(sub[row])
            arr = self.arrivals.get(kind, [])
            for worker in sorted({wk for _, wk, _ in arr}):
                pts = [(pos, i) for pos, (i, wk, _) in enumerate(arr) if wk == worker]
                xs, ys = zip(*pts, strict=True)
                a.scatter(
                    xs,
                    ys,
                    s=14,
                    color=WORKER_COLOURS[worker % len(WORKER_COLOURS)],
                    label=f"worker {worker}",
                )
            a.set(
                xlabel="arrival position in the main process",
                ylabel="sample index",
                title=f"IterableDataset, {w} workers, batch 4, {words}",
            )
            integer_ticks(a, x=True, y=True)
            a.legend(fontsize=8, loc="upper left")

    def _animation(self, ctx: RunContext, out_dir: Path) -> Path:
        """Both samplers filling one epoch's visit map, the batch's digits, the accuracies."""
        steps = _thin(sorted(self.snapshots), 13)
        fig = subplots(1, 1, (11, 5.4))[0]
        fig.clf()
        gs = fig.add_gridspec(2, 3, height_ratios=(3, 1.2))
        axes = {
            "main": fig.add_subplot(gs[0, 0]),
            "sorted": fig.add_subplot(gs[0, 1]),
            "acc": fig.add_subplot(gs[:, 2]),
            "bars_main": fig.add_subplot(gs[1, 0]),
            "bars_sorted": fig.add_subplot(gs[1, 1]),
        }
        first = self.snapshots[steps[0]]
        images, bars = {}, {}
        for key, title in (("main", "shuffled"), ("sorted", "sorted by label, no shuffle")):
            images[key] = self._visit_panel(
                fig, axes[key], first["visit"][key], title, colorbar=False
            )
            axes[key].set_xlabel("")
            bar_ax = axes[f"bars_{key}"]
            bars[key] = bar_ax.bar(range(10), first["counts"][key], color="tab:green")
            bar_ax.set(ylim=(0, ctx.params["batch"]), xticks=range(10), ylabel="count")
            bar_ax.set_xlabel("digits in this batch", fontsize=8)
        hist = ctx.history
        acc = axes["acc"]
        lines = {}
        for key, style, label in (
            ("accuracy", "-", "shuffled"),
            ("accuracy_sorted", "--", "sorted, no shuffle"),
        ):
            (lines[key],) = acc.plot([], [], style, lw=2, label=label)
        acc.axhline(0.1, color="grey", ls=":", label="chance")
        acc.set(
            xlim=(0, ctx.total_steps - 1), ylim=(0, 1), xlabel="step", title="held-out accuracy"
        )
        integer_ticks(acc)
        acc.legend(fontsize=8, loc="lower right")
        head = fig.suptitle("")

        def update(i: int) -> None:
            step = steps[i]
            snap = self.snapshots[step]
            for key in ("main", "sorted"):
                images[key].set_data(_fold(snap["visit"][key]))
                for rect, h in zip(bars[key], snap["counts"][key], strict=True):
                    rect.set_height(h)
            for key, line in lines.items():
                pts = [(h["step"], h[key]) for h in hist if h["step"] <= step]
                line.set_data([s for s, _ in pts], [v for _, v in pts])
            head.set_text(
                f"step {step}: epoch {snap['epoch']}, batch {snap['batch'] + 1} of {self.n_batches}"
            )

        update(len(steps) - 1)
        fig.tight_layout()
        fig.set_layout_engine(None)  # laid out once: otherwise every frame is drawn twice
        return animation(out_dir, "data-pipeline", fig, update, len(steps), fps=4, dpi=72)
