"""The matcher's reading of claims: contrasts, denials, direction, order, scope, formulas.

The test bank in tests/data/grading_bank uses every matching option of
quizbank/README.md and carries labelled examples; each of them is a case here, and
the review's sentences (shared/reviews/content-and-rubric.md) are checked against
small rubrics written like the bank's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quizbank import load_bank, validate
from quizbank.model import Bank, KeyPoint, Misconception, Question, Topic
from quizbank.textnorm import group_hits, normalize, sentences, split_direction, stems
from tutor.grading import Grader
from tutor.grading.examples import check_examples

TEST_BANK = Path(__file__).resolve().parents[1] / "data" / "grading_bank"


@pytest.fixture(scope="module")
def tbank() -> Bank:
    return load_bank([TEST_BANK], include_builtin=False)


@pytest.fixture(scope="module")
def tgrader(tbank: Bank) -> Grader:
    return Grader(tbank)


def _cases(bank: Bank) -> list:
    return check_examples(Grader(bank), bank.questions)


def test_test_bank_is_valid() -> None:
    problems = validate([TEST_BANK], include_builtin=False)
    assert [str(p) for p in problems if p.severity == "error"] == []


def test_every_example_of_the_test_bank_comes_out_as_labelled(tbank: Bank) -> None:
    outcomes = _cases(tbank)
    assert len(outcomes) >= 80
    labels = {o.label for o in outcomes}
    assert labels == {"hit", "miss", "fires", "safe"}
    wrong = [o.message() for o in outcomes if not o.ok]
    assert wrong == []


def _hits(grader: Grader, qid: str, text: str, lang: str | None = None) -> set[str]:
    return {kp.id for kp, m in grader.judge_items(qid, text, lang).points if m.hit}


def _fired(grader: Grader, qid: str, text: str, lang: str | None = None) -> set[str]:
    return {mc.id for mc, _ in grader.judge_items(qid, text, lang).misconceptions}


# -- direction and relation -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The bigger the batch, the lower the variance.",
        "Increasing the batch size reduces the variance of the gradient.",
        "The noise is inversely proportional to the batch size.",
        "La varianza diminuisce con batch più grandi.",
        "Più piccolo è il batch, più rumoroso è il gradiente.",
        # halving and doubling are directions too ("risoluzione giù")
        "Doubling the batch size halves the noise.",
        "Raddoppiando il batch il rumore si dimezza.",
        "Raddoppiando il batch il rumore va giù.",
    ],
)
def test_relation_is_read_from_the_words_next_to_each_quantity(tgrader: Grader, text) -> None:
    assert "noise-tradeoff" in _hits(tgrader, "t:t.01", text)


def test_a_reversed_relation_contradicts_the_point(tgrader: Grader) -> None:
    r = tgrader.grade("t:t.01", "The variance of the gradient is larger with a larger batch.")
    point = {p.id: p for p in r.points}["noise-tradeoff"]
    assert not point.hit and point.denied and point.credit == 0
    assert any(pen.kind == "denial" and pen.ref == "noise-tradeoff" for pen in r.penalties)


def test_naming_both_quantities_without_a_direction_is_not_the_point(tgrader: Grader) -> None:
    r = tgrader.grade("t:t.01", "The batch size and the noise of the gradient are related.")
    point = {p.id: p for p in r.points}["noise-tradeoff"]
    assert not point.hit and not point.denied


def test_a_negated_direction_word_counts_the_other_way(tgrader: Grader) -> None:
    assert "noise-tradeoff" in _hits(
        tgrader, "t:t.01", "A larger batch does not increase the noise."
    )


def test_the_misconception_with_the_opposite_relation_fires_and_denies_the_point(
    tgrader: Grader,
) -> None:
    r = tgrader.grade("t:t.01", "Larger batches make the gradient noisier.")
    assert [m.id for m in r.misconceptions] == ["larger-batch-noisier"]
    point = {p.id: p for p in r.points}["noise-tradeoff"]
    assert point.contradicted_by == "larger-batch-noisier" and not point.hit


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("It is not true that a larger batch makes the gradient noisier.", True),
        ("It is not true that a larger batch reduces the noise.", False),
        ("Non è vero che con un batch più grande il rumore aumenta.", True),
        ("Non è vero che con un batch più grande il rumore diminuisce.", False),
    ],
)
def test_a_meta_denial_turns_the_whole_relation_round(
    tgrader: Grader, text: str, stated: bool
) -> None:
    """ "It is not true that X grows with Y" denies the relation, not each direction
    word: both "larger" and "noisier" denied would cancel out into the claim itself."""
    assert ("noise-tradeoff" in _hits(tgrader, "t:t.01", text)) is stated
    assert ("larger-batch-noisier" in _fired(tgrader, "t:t.01", text)) is not stated


def test_direction_marker_is_not_part_of_the_term() -> None:
    assert split_direction("noisier +") == ("noisier", 1)
    assert split_direction("stable -") == ("stable", -1)
    assert split_direction("W - K") == ("W - K", 0)
    assert group_hits([["noisier +"], ["batch"]], "Larger batch, noisier gradient.", "en")


# -- order and scope ------------------------------------------------------------


def test_ordered_groups_must_come_in_order(tgrader: Grader) -> None:
    assert "gan-likelihood" in _fired(tgrader, "t:t.02", "GANs estimate the density of images.")
    assert not _fired(tgrader, "t:t.02", "The likelihood is what VAEs bound; GANs just sample.")


def test_clause_scope_separates_swapped_roles(tgrader: Grader) -> None:
    swapped = "The edges are the operations and the nodes are the operands."
    assert "nodes-operations" not in _hits(tgrader, "t:t.03", swapped)
    assert "nodes-operations" in _hits(tgrader, "t:t.03", "Nodes are operations such as + and *.")


def test_italian_is_does_not_split_a_clause(tgrader: Grader) -> None:
    assert "nodes-operations" in _hits(tgrader, "t:t.03", "Ogni operazione è un nodo.", "it")
    # typed without the accent it still matches a term written with "è"
    assert normalize("è") != normalize("e")


# -- misconceptions: contrasts and denials ------------------------------------------


def _mc_question(terms_en, terms_it=None, **options) -> Question:
    kp = KeyPoint(
        "p",
        3,
        {"en": "Placeholder point.", "it": "Punto segnaposto."},
        {"en": [["zzzz"]], "it": [["zzzz"]]},
    )
    mc = Misconception(
        "m",
        {"en": "The wrong belief.", "it": "La convinzione errata."},
        {"en": "The correction.", "it": "La correzione."},
        {"en": terms_en, "it": terms_it or terms_en},
        **options,
    )
    return Question("x.01", "x.01", "cidl", "x", "Q?", "open", {"en": "", "it": ""},
                    (kp,), (mc,), (), (), ())  # fmt: skip


def _fires(q: Question, text: str) -> bool:
    bank = Bank()
    bank.add(Topic("x", "cidl", {"en": "x", "it": "x"}, (q.id,)), [q])
    return bool(Grader(bank).judge_items(q, text).misconceptions)


@pytest.mark.parametrize(
    ("terms", "fires", "safe"),
    [
        (
            [["reparameterisation", "reparameterization"], ["samples", "sampled", "trick"]],
            "The VQ-VAE encoder samples z with the reparameterisation trick.",
            "Unlike a VAE, which samples z with the reparameterisation trick, it is deterministic.",
        ),
        (
            [["forward"], ["directly"]],
            "You call forward directly on the input.",
            "You run the model with model(x) instead of calling forward directly.",
        ),
        (
            [["padding"], ["shrink", "shrinking", "smaller"]],
            "Padding makes the output shrink.",
            "Padding prevents the output from shrinking.",
        ),
        (
            [["forward mode"], ["cheaper"]],
            "Forward mode is cheaper for a scalar loss.",
            "For a scalar loss reverse mode is much cheaper than forward mode.",
        ),
        (
            [["forward mode"], ["whole gradient"], ["one pass"]],
            "Forward mode gives the whole gradient in one pass.",
            "Reverse mode gives the whole gradient in one pass, while forward mode gives one "
            "partial derivative per pass.",
        ),
        (
            [["rgb"], ["mnist"]],
            "MNIST images are RGB.",
            "Unlike CIFAR's RGB images, MNIST digits have a single channel.",
        ),
        (
            [["state_dict", "state dict"], ["whole model", "pickles"]],
            "state_dict pickles the whole model object.",
            "Unlike torch.save(model), which pickles the whole model object, state_dict holds "
            "only tensors.",
        ),
        (
            [["shuffle"], ["dataloader"]],
            "Just pass shuffle=True to the DataLoader.",
            "Shuffling happens inside the stream, because the DataLoader raises an error with "
            "shuffle=True.",
        ),
        (
            [["reparameterization", "reparameterisation"], ["used", "uses"]],
            "The model uses the reparameterization trick.",
            "The reparameterisation trick is not used.",
        ),
        (
            [["padding"], ["riduce", "riduca"]],
            "Il padding riduce l'output.",
            "Il padding evita che l'output si riduca.",
        ),
    ],
)
def test_misconception_fires_on_the_claim_not_on_a_contrast_or_denial(terms, fires, safe) -> None:
    q = _mc_question(terms)
    assert _fires(q, fires)
    assert not _fires(q, safe)


def test_claim_scope_is_the_misconception_default_and_can_be_widened() -> None:
    text = "Reverse mode stores the intermediates, because forward mode is cheaper in memory."
    assert _fires(_mc_question([["forward mode"], ["cheaper"]]), text)
    q = _mc_question([["reverse mode"], ["cheaper"]])
    assert not _fires(q, text)  # "because" starts another claim
    q = _mc_question([["reverse mode"], ["cheaper"]], scope="sentence")
    assert _fires(q, text)


def test_code_scope_reads_the_order_of_the_lines_of_a_block_of_code() -> None:
    """A loop written as code says its order only by its lines: step() on the line before
    backward() is the wrong loop, though no word says "then"."""
    q = _mc_question([["opt.step()", "step()"], ["loss.backward()", "backward()"]], scope="code")
    assert _fires(
        q, "Each batch:\nopt.zero_grad()\nloss = crit(net(x), y)\nopt.step()\nloss.backward()"
    )
    assert not _fires(q, "opt.zero_grad()\nloss = crit(net(x), y)\nloss.backward()\nopt.step()")
    # prose orders nothing, and neither does one line of code
    assert not _fires(q, "opt.step() applies what loss.backward() has computed.")
    assert not _fires(q, "opt.step()  # after loss.backward()")


@pytest.mark.parametrize(
    "safe",
    [
        "The output size is not (W - K + 2P)/S - 1 but (W - K + 2P)/S + 1.",
        "La dimensione non è (W-K+2P)/S - 1, ma (W-K+2P)/S + 1.",
    ],
)
def test_a_negation_denies_the_whole_formula_after_it(safe: str) -> None:
    q = _mc_question([["size", "dimensione"], ["(W - K + 2P)/S - 1"]])
    assert _fires(q, "The output size is (W - K + 2P)/S - 1.")
    assert not _fires(q, safe)


# -- formulas ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "term"),
    [
        ("⌊(W − K + 2P)/S⌋ + 1", "floor((W - K + 2P)/S) + 1"),
        ("\\lfloor (W-K+2P)/S \\rfloor + 1", "floor((W - K + 2P)/S) + 1"),
        ("min_G max_D V(D, G)", "min max"),
        ("\\min_G \\max_D V", "min max"),
        ("x̄ = ∂f/∂x", "x bar"),
        ("\\bar{x} = 1", "x bar"),
        ("ẋ = 1", "x dot equals 1"),
        ("f'(g(x)) · g'(x)", "f prime"),
        ("θ ← θ − η∇L", "theta minus eta"),
        ("theta <- theta - lr * grad", "lr times grad"),
        ("W_out = 14", "w out"),
        ("x → encoder → z", "x -> encoder"),
        ("z = μ + σ ⊙ ε", "mu plus sigma times epsilon"),
        ("y = x @ W.T", "x matmul w"),  # "@" between operands is the matrix product
        ("(n, k)@(k, m) gives (n, m)", "matmul"),
        # a minus before a word, where a formula puts it, is read: a sign error is a claim
        ("G minimises -log D(G(z))", "minimises minus log"),
        ("kl = -0.5 * torch.sum(1 + logvar)", "equals minus 0.5"),
        ("loss = (-log p)", "minus log p"),
        ("dL/dh_1 = Π_{t=2..T} W^T diag(tanh')", "prod"),  # capital pi, the product
        ("L'(w0) < 0, so we step right", "< 0"),
        ("tanh'(x) <= 1", "≤ 1"),
    ],
)
def test_formula_symbols_count_like_words(written: str, term: str) -> None:
    assert group_hits([[term]], written, "en"), (normalize(written), stems(term, "en"))


def test_a_comparison_is_not_the_number_alone() -> None:
    """ "< 0" and "> 0" were both read as "0", so any zero stated a sign."""
    assert not group_hits([["< 0"]], "L'(w0) > 0, the minimum is at 0", "en")
    assert not group_hits([["< 0"]], "the minimum is at w = 0", "en")
    # arrows and assignments are not comparisons
    assert "lt" not in normalize("x -> y, theta <- theta - lr * g, a => b").split()


def test_a_term_written_with_a_comma_matches_across_the_comma(tgrader: Grader) -> None:
    """ "backward(), opt.step()" as a term is the code as students type it; the comma that
    separates two clauses still ends a phrase written without one."""
    kp = KeyPoint("p", 2, {"en": "Step."}, {"en": [["backward(), opt.step()"]]})
    q = Question("t:x.01", "x.01", "t", "t", "Q?", "open", {"en": "A."}, (kp,), (), (), (), ())
    grader = Grader(Bank())
    hit = grader.judge_items(q, "loss.backward(), opt.step() at every batch.").points[0][1]
    assert hit.hit
    kp2 = KeyPoint("p", 2, {"en": "Step."}, {"en": [["backward opt step"]]})
    q2 = Question("t:x.02", "x.02", "t", "t", "Q?", "open", {"en": "A."}, (kp2,), (), (), (), ())
    miss = grader.judge_items(q2, "loss.backward(), opt.step() at every batch.").points[0][1]
    assert not miss.hit


def test_the_sign_after_an_equals_is_not_skipped() -> None:
    """An operator between a term's words is skipped ("h t 1" in h_{t-1}), but not the sign
    of a whole side: "kl = -0.5 * sum" does not state "kl = 0.5 * sum"."""
    kp = KeyPoint("p", 2, {"en": "KL."}, {"en": [["kl = 0.5 * sum"]]})
    q = Question("t:x.03", "x.03", "t", "t", "Q?", "open", {"en": "A."}, (kp,), (), (), (), ())
    grader = Grader(Bank())
    assert grader.judge_items(q, "kl = 0.5 * sum(mu**2)").points[0][1].hit
    assert not grader.judge_items(q, "kl = -0.5 * sum(mu**2)").points[0][1].hit


def test_a_decorator_is_not_a_matrix_product() -> None:
    assert "matmul" not in normalize("@torch.no_grad()\ndef evaluate(model): ...")


def test_a_hyphen_inside_a_word_is_not_a_minus() -> None:
    assert stems("one-hot mini-batch log-softmax", "en") == stems(
        "one hot mini batch log softmax", "en"
    )
    assert "minus" in stems("W-K", "en") and "minus" in stems("h_{t-1}", "en")
    # nor the dash of a bullet or of a command-line flag
    assert "minus" not in stems("-encoder compresses\nuse --strict", "en")
    assert not group_hits([["minimises minus log"]], "G minimises log D(G(z))", "en")


def test_formula_in_a_rubric_matches_the_students_notation(tgrader: Grader) -> None:
    assert "output-formula" in _hits(tgrader, "t:t.04", "W_out = ⌊(W − K + 2P)/S⌋ + 1")
    assert "output-formula" not in _hits(tgrader, "t:t.04", "W_out = (W + K − 2P)/S + 1")


def test_a_variable_before_a_full_stop_ends_the_sentence() -> None:
    # a.05: "… + y." was read as an initial, so four formula sentences were one, and a
    # point's evidence ran over three of them
    text = (
        "Esempio: f(x,y) = x*y + y. Pongo a = x*y, f = a + y. ∂f/∂x = ∂f/∂a · ∂a/∂x = 1 · y "
        "= y. Per y: ∂f/∂y = ∂f/∂a · ∂a/∂y = x, e il termine diretto non lo conto."
    )
    g = Grader(load_bank())
    j = g.judge_items("a.05", text, "it")
    assert len(j.analysis.sentences) == 4
    for _, m in j.points:
        if m.evidence:
            assert text[m.evidence[0] : m.evidence[1]].count(". ") <= 1  # two at most
    # abbreviations still do not end one
    j = g.judge_items("a.09", "One pass gives the derivative w.r.t. one input, e.g. x_1.", "en")
    assert len(j.analysis.sentences) == 1


def test_a_semicolon_inside_brackets_is_a_formulas() -> None:
    text = "È una composizione y = f_L(...f_2(f_1(x; θ1); θ2)...; θL), dove ogni f_i è un layer."
    g = Grader(load_bank())
    j = g.judge_items("a.02", text, "it")
    assert len(j.analysis.sentences) == 1
    assert {kp.id for kp, m in j.points if m.hit} >= {"composition-of-layers"}
    assert len(set(j.analysis.sentences[0].claim)) == 1


# -- loader options -----------------------------------------------------------------


def _write_bank(tmp_path: Path, kp_extra: str = "", mc_extra: str = "") -> Path:
    d = tmp_path / "bank"
    d.mkdir()
    (d / "q.yaml").write_text(
        f"""
topic: q
title: {{en: Q, it: Q}}
questions:
  - id: q.01
    question: Why?
    kind: open
    answer: {{en: "Larger batch less noise. a b. c d.", it: "Batch grande meno rumore. a b. c d."}}
    key_points:
      - id: one
        weight: 3
        terms: {{en: [[batch], [noise]], it: [[batch], [rumore]]}}
        text: {{en: One., it: Uno.}}
{kp_extra}
      - id: two
        terms: {{en: [[a], [b]], it: [[a], [b]]}}
        text: {{en: Two., it: Due.}}
      - id: three
        terms: {{en: [[c], [d]], it: [[c], [d]]}}
        text: {{en: Three., it: Tre.}}
    misconceptions:
      - id: m
        text: {{en: M., it: M.}}
        correction: {{en: C., it: C.}}
        terms: {{en: [[batch], [noise]], it: [[batch], [rumore]]}}
{mc_extra}
""",
        encoding="utf-8",
    )
    return d


@pytest.mark.parametrize(
    ("kp_extra", "mc_extra", "message"),
    [
        ("        relation: larger", "", "'relation' must be one of same, inverse"),
        ("        scope: paragraph", "", "'scope' must be one of sentence, claim, clause"),
        ("        central: yes please", "", "'central' must be true or false"),
        ("", "        contradicts: nope", "'contradicts' must name a key point"),
    ],
)
def test_loader_reports_bad_matching_options(tmp_path: Path, kp_extra, mc_extra, message) -> None:
    problems = validate([_write_bank(tmp_path, kp_extra, mc_extra)], include_builtin=False)
    assert any(message in p.message and p.line > 0 for p in problems), [str(p) for p in problems]


def test_loader_accepts_the_matching_options(tmp_path: Path) -> None:
    d = _write_bank(
        tmp_path,
        "        relation: inverse\n        central: true\n        scope: clause\n"
        "        ordered: true",
        "        relation: same\n        contradicts: one\n        central: true",
    )
    problems = validate([d], include_builtin=False)
    assert [str(p) for p in problems if p.severity == "error"] == []
    q = load_bank([d], include_builtin=False).questions[0]
    kp, mc = q.key_points[0], q.misconceptions[0]
    assert (kp.relation, kp.central, kp.scope, kp.ordered) == ("inverse", True, "clause", True)
    assert (mc.relation, mc.contradicts, mc.central) == ("same", "one", True)


@pytest.mark.parametrize(
    "safe",
    [
        "It is not true that padding makes the output shrink.",
        "A common mistake is to think that padding makes the output shrink.",
        "Non è vero che il padding riduce l'output.",
        "È sbagliato pensare che il padding riduca l'output.",
    ],
)
def test_a_meta_denial_denies_the_whole_claim(safe: str) -> None:
    q = _mc_question([["padding"], ["shrink", "riduce", "riduca"]])
    assert _fires(q, "Padding makes the output shrink.")
    assert not _fires(q, safe)


def test_a_relative_clause_with_a_preposition_stays_in_the_contrast() -> None:
    q = _mc_question([["stride"], ["ingrandisce", "enlarges"]])
    assert _fires(q, "Lo stride ingrandisce l'output.")
    assert not _fires(
        q, "A differenza di una convoluzione trasposta, in cui lo stride ingrandisce l'output, "
        "una convoluzione con stride 2 lo dimezza."
    )  # fmt: skip


def test_operators_are_skipped_unless_the_term_names_them() -> None:
    assert group_hits([["h t 1"]], "h_t = tanh(W x_t + U h_{t-1})", "en")
    assert group_hits([["1 z"]], "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}", "en")
    assert group_hits([["W - K + 2P"]], "out = (W − K + 2P)/S + 1", "en")
    assert not group_hits([["W - K + 2P"]], "out = (W + K − 2P)/S + 1", "en")


def test_a_denied_claim_does_not_earn_a_point_whose_text_uses_other_words() -> None:
    kp = KeyPoint(
        "reach",
        3,
        {"en": "Backpropagation gets to the encoder weights.", "it": "La backprop arriva ai pesi."},
        {
            "en": [["gradient"], ["reaches", "reach"], ["encoder"]],
            "it": [["gradiente"], ["arriva"]],
        },
    )
    q = Question("x.02", "x.02", "cidl", "x", "Q?", "open", {"en": "", "it": ""},
                 (kp,), (), (), (), ())  # fmt: skip
    bank = Bank()
    bank.add(Topic("x", "cidl", {"en": "x", "it": "x"}, (q.id,)), [q])
    g = Grader(bank)
    assert _hits(g, "x.02", "The gradient reaches the encoder.") == {"reach"}
    assert _hits(g, "x.02", "The gradient does not reach the encoder.") == set()


def test_a_label_line_and_the_diagram_under_it_are_one_sentence() -> None:
    """Notes put a short head on its own line ("unrolled:") over what it names."""
    text = "unrolled:\nh_0 -> [cell] -> h_1 -> [cell] -> h_2\nthe same W at every step"
    assert [text[a:b].strip() for a, b in sentences(text)] == [
        "unrolled:\nh_0 -> [cell] -> h_1 -> [cell] -> h_2",
        "the same W at every step",
    ]
    # a line of prose that happens to end in a colon is not a label
    long_line = "the gradient is computed in a single backward pass over the graph:\nx"
    assert len(sentences(long_line)) == 2


def test_a_long_block_of_code_is_cut_at_line_starts_not_inside_a_line() -> None:
    # past _MAX_TOKENS a run-on text is read in pieces; a cut at a comma of the loss line
    # parted its three terms and lost the loss point of a complete training loop
    code = (
        "for images, labels in train_loader:\n"
        "    z_e = encoder(images)                     # (B, D, 7, 7)\n"
        "    flat = z_e.permute(0, 2, 3, 1).reshape(-1, D)\n"
        "    codes = torch.cdist(flat, codebook.weight).argmin(1)\n"
        "    q = codebook(codes).view(B, 7, 7, D).permute(0, 3, 1, 2)\n"
        "    x_rec = decoder(z_e + (q - z_e).detach())\n"
        "    loss = F.mse_loss(x_rec, images) + F.mse_loss(q, z_e.detach()) + "
        "0.25*F.mse_loss(z_e, q.detach())\n"
        "    opt.zero_grad(); loss.backward(); opt.step()\n"
    )
    from tutor.grading.matcher import _MAX_TOKENS, TOKEN_RE

    assert len(TOKEN_RE.findall(normalize(code))) > _MAX_TOKENS
    result = Grader(load_bank()).grade("f.09", code)
    assert next(p for p in result.points if p.id == "loss").hit
