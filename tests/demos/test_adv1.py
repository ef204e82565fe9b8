"""yolo-grid, rpn-anchors, unet-seg, clip-toy: quick runs, and checks that can fail."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from demos.h_advanced import clip_toy, rpn_anchors, unet_seg, yolo_grid
from demos.lib import boxes as bx

DEMOS = ("yolo-grid", "rpn-anchors", "unet-seg", "clip-toy")


@pytest.mark.parametrize("name", DEMOS)
def test_quick_run_has_four_checks_and_ends_on_heatmaps_and_images(name, quick_run):
    run = quick_run(name)  # the contract itself: test_catalogue.py
    assert len(run.end["checks"]) >= 4
    kinds = {i["kind"] for i in run.frames[-1]["items"]}
    assert {"heatmap", "picture"} <= kinds


# --- yolo-grid --------------------------------------------------------------------


def test_yolo_checks_fail_on_broken_pieces():
    assert yolo_grid.check_iou().passed
    no_overlap_removed = lambda a, b: bx.box_iou(a, b) * 0.9  # noqa: E731
    assert not yolo_grid.check_iou(no_overlap_removed).passed

    def union_as_sum(a, b):  # forgets to subtract the intersection from the union
        lo = torch.maximum(a[:, None, :2], b[None, :, :2])
        hi = torch.minimum(a[:, None, 2:], b[None, :, 2:])
        inter = (hi - lo).clamp(min=0).prod(2)
        area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
        return inter / (area(a)[:, None] + area(b)[None, :])

    assert not yolo_grid.check_iou(union_as_sum).passed

    assert yolo_grid.check_nms().passed
    keep_all = lambda boxes, scores, thr: scores.argsort(descending=True)  # noqa: E731
    assert not yolo_grid.check_nms(keep_all).passed
    strict = lambda boxes, scores, thr: bx.nms(boxes, scores, thr / 2)  # noqa: E731
    assert not yolo_grid.check_nms(strict).passed

    assert yolo_grid.check_encoding().passed

    def absolute_offsets(boxes, labels, s, size, classes, owner=None, n=1):
        t = yolo_grid.encode_targets(boxes, labels, s, size, classes, owner, n)
        t[..., :2] *= 0.5  # offsets no longer measured inside the cell
        return t

    assert not yolo_grid.check_encoding(absolute_offsets).passed


def test_nms_equals_the_textbook_loop_on_random_boxes():
    gen = torch.Generator().manual_seed(7)
    for _ in range(5):
        boxes = bx.random_boxes(30, gen)
        scores = torch.rand(30, generator=gen)
        kept = bx.nms(boxes, scores, 0.4).tolist()
        assert kept == bx.nms_reference(boxes.tolist(), scores.tolist(), 0.4)
        iou = bx.box_iou(boxes[kept], boxes[kept]) - torch.eye(len(kept))
        assert iou.max() <= 0.4  # no two survivors overlap above the threshold


def test_yolo_loss_targets_the_responsible_cell():
    rng = __import__("numpy").random.default_rng(0)
    _, boxes, labels = bx.make_scenes(4, 32, rng, 3, grid=4)
    t = yolo_grid.batch_targets(boxes, labels, 4, 32, "cpu")
    assert t.shape == (4, 4, 4, 7) and int(t[..., 4].sum()) == sum(len(b) for b in boxes)
    out = torch.zeros(4, 12, 4, 4, requires_grad=True)
    _, terms, _ = yolo_grid.yolo_loss(out, t, 32, 2, 5.0, 0.5)
    (grad,) = torch.autograd.grad(terms["coord"], out)
    cells = grad.abs().sum(1) > 0  # (N, S, S): where the box terms reach
    assert torch.equal(cells, t[..., 4] > 0)


# --- rpn-anchors ------------------------------------------------------------------


def test_rpn_checks_fail_on_broken_pieces():
    assert rpn_anchors.check_anchors().passed

    def centred(base, h, w, stride):  # anchors at cell centres: not torchvision's rule
        return rpn_anchors.grid_anchors(base, h, w, stride) + stride / 2

    assert not rpn_anchors.check_anchors(centred).passed
    assert not rpn_anchors.check_anchors(
        lambda base, h, w, s: rpn_anchors.grid_anchors(base, h, w, s)[::2]
    ).passed

    assert rpn_anchors.check_labels().passed

    def threshold_only(anchors, gt, valid, high=0.7, low=0.3):  # no best-anchor rule
        labels, matched = rpn_anchors.label_anchors(anchors, gt, valid, high, low)
        iou = bx.box_iou(anchors, gt.reshape(-1, 4)).reshape(len(anchors), *gt.shape[:2])
        best = iou.permute(1, 0, 2).masked_fill(~valid[:, None], -1).max(2).values
        labels[(labels == 1) & (best < high)] = -1.0
        return labels, matched

    assert not rpn_anchors.check_labels(threshold_only).passed

    assert rpn_anchors.check_coder().passed

    def linear_size(d, a):  # w = w_a·(1 + t_w) instead of w_a·exp(t_w)
        return rpn_anchors.decode_deltas(torch.cat([d[..., :2], (1 + d[..., 2:]).log()], -1), a)

    assert not rpn_anchors.check_coder(decode=linear_size).passed


def test_anchor_count_and_sampling_balance():
    base = rpn_anchors.base_anchors((8, 16), (0.5, 1.0, 2.0))
    assert base.shape == (6, 4)
    assert rpn_anchors.grid_anchors(base, 5, 7, 4).shape == (5 * 7 * 6, 4)
    labels = torch.tensor([[1.0] * 10 + [0.0] * 50 + [-1.0] * 5])
    picked = rpn_anchors.sample_anchors(labels, 16, torch.Generator().manual_seed(0))
    assert int((picked & (labels == 1)).sum()) == 8 and int(picked.sum()) == 16
    assert not bool((picked & (labels == -1)).any())


# --- unet-seg -----------------------------------------------------------------------


def test_unet_checks_fail_on_broken_pieces():
    assert unet_seg.check_same_size().passed

    def cropping(width, levels, classes, skips=True):
        net = unet_seg.build_unet(width, levels, classes, skips)
        inner = net.forward
        net.forward = lambda x: inner(x)[..., 1:-1, 1:-1]  # "valid" output, smaller than input
        return net

    assert not unet_seg.check_same_size(cropping).passed

    assert unet_seg.check_cross_entropy().passed
    no_softmax = lambda logits, mask, weight=None: -logits.gather(1, mask[:, None]).mean()  # noqa: E731
    assert not unet_seg.check_cross_entropy(no_softmax).passed

    def mean_of_weighted(logits, mask, weight=None):  # divides by the pixel count instead
        loss = unet_seg.pixel_cross_entropy(logits, mask)
        return loss if weight is None else loss * weight[mask].mean()

    assert not unet_seg.check_cross_entropy(mean_of_weighted).passed

    assert unet_seg.check_iou().passed

    def dice(pred, mask, classes):  # a different overlap measure
        iou = unet_seg.class_iou(pred, mask, classes)
        return 2 * iou / (1 + iou)

    assert not unet_seg.check_iou(dice).passed


def test_unet_skip_switch_keeps_parameters_and_changes_output():
    torch.manual_seed(0)
    a = unet_seg.build_unet(4, 2, 4, skips=True).eval()
    b = unet_seg.build_unet(4, 2, 4, skips=False).eval()
    b.load_state_dict(a.state_dict())
    x = torch.rand(2, 1, 24, 24)
    assert sum(p.numel() for p in a.parameters()) == sum(p.numel() for p in b.parameters())
    assert (a(x) - b(x)).abs().max() > 1e-4


# --- clip-toy -----------------------------------------------------------------------


def test_clip_checks_fail_on_broken_pieces():
    assert clip_toy.check_chance().passed
    summed = lambda s: clip_toy.clip_loss(s) * len(s)  # noqa: E731
    assert not clip_toy.check_chance(summed).passed

    assert clip_toy.check_infonce().passed
    one_way = lambda s: F.cross_entropy(s, torch.arange(len(s)))  # noqa: E731
    assert one_way(torch.zeros(5, 5)).item() == pytest.approx(math.log(5))
    assert not clip_toy.check_infonce(one_way).passed

    assert clip_toy.check_cosine().passed
    unnormalised = lambda i, t, s: s.exp() * i @ t.t()  # noqa: E731
    assert not clip_toy.check_cosine(unnormalised).passed


def test_captions_tokenise_and_prompt_is_known():
    tok = clip_toy.Tokenizer()
    ids = tok([clip_toy.caption(7, clip_toy.PROMPT), clip_toy.caption(3, "il numero {it}")])
    assert ids.shape == (2, tok.length) and (ids[:, 0] > 0).all()
    assert ids[0].tolist() != tok([clip_toy.caption(1, clip_toy.PROMPT)])[0].tolist()
