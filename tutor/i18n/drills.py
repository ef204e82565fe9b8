"""The generated drills (``tutor.drills``): statements, answer fields, hints and worked
solutions, in both languages.

Numbers, formulas and code (``nn.Conv2d(3, 8, 3)``, ``v3_bar = df/dv3``) are the same in
both; every template keeps its numbers in the same order, so an exercise reads the same
in either language (``tests/tutor/test_drills_i18n.py`` checks it). The drill titles are
``tutor.i18n.lists.DRILL_TITLES``.
"""

from __future__ import annotations

from tutor.i18n import Text

# --- answers: what is accepted, and the hint for what is not --------------------------------

NO_ANSWER = Text("no answer", "nessuna risposta")
TOO_LONG = Text(
    "answer too long (at most {n} characters)", "risposta troppo lunga (al massimo {n} caratteri)"
)
NOT_A_NUMBER = Text(
    "could not read {text!r} as a number: write a number such as 2, -0.5, .5 or 1/2",
    "non riesco a leggere {text!r} come numero: scrivi un numero come 2, -0.5, .5 o 1/2",
)
OUT_OF_RANGE = Text(
    "{text!r} is out of range: keep exponents within ±{limit}",
    "{text!r} è fuori scala: tieni gli esponenti entro ±{limit}",
)
DIVISION_BY_ZERO = Text("division by zero in the answer", "divisione per zero nella risposta")
NOT_AN_INTEGER = Text(
    "could not read {text!r} as a whole number, e.g. 1280",
    "non riesco a leggere {text!r} come numero intero, per esempio 1280",
)
NOT_A_SHAPE = Text(
    "could not read {text!r} as a shape: write (2, 3), 2x3, () for a scalar, or error",
    "non riesco a leggere {text!r} come forma: scrivi (2, 3), 2x3, () per uno scalare, o errore",
)
NOT_YES_NO = Text(
    "could not read {text!r}: answer yes or no",
    "non riesco a leggere {text!r}: rispondi sì o no",
)
NOT_A_SET = Text(
    "could not read {text!r}: write indices like 0 2 3 or [0, 2, 3]",
    "non riesco a leggere {text!r}: scrivi indici come 0 2 3 o [0, 2, 3]",
)
YES = Text("yes", "sì")
NO = Text("no", "no")
ERROR = Text("error", "errore")

# --- cg-reverse, cg-forward ---------------------------------------------------------------

CG_HOW_TO_ANSWER = Text(
    "Give exact values as integers or fractions (-3/2); values that involve exp, log, sin, "
    "tanh or sigmoid as decimals (accepted within {abs:g} absolute or {rel:.1%} relative "
    "error: carry 4 decimals).",
    "Dai i valori esatti come interi o frazioni (-3/2); quelli che passano per exp, log, sin, "
    "tanh o sigmoid come decimali (accettati entro {abs:g} di errore assoluto o {rel:.1%} di "
    "errore relativo: porta 4 decimali).",
)
CG_DESCRIBE = Text(
    "f({names}) = {expression}, evaluated at {at}",
    "f({names}) = {expression}, calcolata in {at}",
)
CG_REVERSE_STATEMENT = Text(
    "Draw the computational graph of {graph}. Run the forward pass (the value of every node), "
    "then reverse-mode differentiation: the adjoint v_bar = df/dv of every node, ending with "
    "the gradient with respect to the inputs. A node with fan-out gets one adjoint term from "
    "each consumer, and they add up. {how}",
    "Disegna il grafo computazionale di {graph}. Esegui il forward pass (il valore di ogni "
    "nodo), poi la differenziazione in reverse mode: l'aggiunto v_bar = df/dv di ogni nodo, "
    "fino al gradiente rispetto agli input. Un nodo con fan-out riceve un termine "
    "dell'aggiunto da ciascun nodo che lo usa, e i termini si sommano. {how}",
)
CG_FORWARD_STATEMENT = Text(
    "Draw the computational graph of {graph}. Run the forward pass (the value of every node) "
    "and forward-mode differentiation with respect to {x}: the tangent v_dot = dv/d{x} of "
    "every node, seeded with {x}_dot = 1 and the other inputs' tangents 0; the last one is "
    "df/d{x}. A node with fan-out passes its one tangent on to each consumer. {how}",
    "Disegna il grafo computazionale di {graph}. Esegui il forward pass (il valore di ogni "
    "nodo) e la differenziazione in forward mode rispetto a {x}: la tangente v_dot = dv/d{x} "
    "di ogni nodo, partendo da {x}_dot = 1 e dalle tangenti degli altri input a 0; l'ultima è "
    "df/d{x}. Un nodo con fan-out passa la sua unica tangente a ciascun nodo che lo usa. {how}",
)
CG_FAN_OUT = Text("(fan-out)", "(fan-out)")
CG_OUTPUT = Text("(output)", "(uscita)")
CG_FORWARD_PASS = Text(
    "Forward pass (evaluate every node in topological order):",
    "Forward pass (calcola ogni nodo in ordine topologico):",
)
CG_REVERSE_PASS = Text(
    "Reverse pass: seed the output with adjoint 1, then visit nodes from last to first; an "
    "adjoint is the sum, over the node's consumers c, of c_bar * dc/dnode.",
    "Reverse pass: inizializza l'uscita con aggiunto 1, poi visita i nodi dall'ultimo al "
    "primo; un aggiunto è la somma, sui nodi c che usano il nodo, di c_bar * dc/dnodo.",
)
CG_OUTPUT_SEED = Text("(the output f itself)", "(l'uscita f stessa)")
CG_FAN_OUT_TERMS = Text("(fan-out: one term per consumer)", "(fan-out: un termine per ogni uso)")
CG_GRADIENT = Text("Gradient: {grads}", "Gradiente: {grads}")
CG_TANGENT_PASS = Text(
    "Forward mode: seed the tangents of the inputs ({seeds}), then visit nodes in order; a "
    "tangent is the sum, over the node's arguments a, of dnode/da * a_dot.",
    "Forward mode: inizializza le tangenti degli input ({seeds}), poi visita i nodi in "
    "ordine; una tangente è la somma, sugli argomenti a del nodo, di dnodo/da * a_dot.",
)
CG_RESULT = Text("Result: {result}", "Risultato: {result}")

# --- sgd-step ---------------------------------------------------------------------------------

SGD_SINGLE = Text(
    "the single training example (x, y) = ({x}, {y})",
    "l'unico esempio di training (x, y) = ({x}, {y})",
)
SGD_DATASET = Text(
    "the dataset {rows}, of which this step samples the minibatch {{{batch}}}",
    "il dataset {rows}, da cui questo passo estrae il minibatch {{{batch}}}",
)
SGD_STATEMENT = Text(
    "The model is y_hat = {model} and the loss is the mean squared error "
    "L = (1/m) * sum (y_hat - y)^2 over the minibatch (m = {m}). Given {where}, the starting "
    "point {params} and the learning rate eta = {lr}, perform one step of SGD: compute the "
    "minibatch loss, its gradient, the updated parameters and the loss after the step. Give "
    "exact values (fractions like 3/4 or decimals).",
    "Il modello è y_hat = {model} e la loss è l'errore quadratico medio "
    "L = (1/m) * sum (y_hat - y)^2 sul minibatch (m = {m}). Dati {where}, il punto di "
    "partenza {params} e il learning rate eta = {lr}, esegui un passo di SGD: calcola la loss "
    "del minibatch, il suo gradiente, i parametri aggiornati e la loss dopo il passo. Dai "
    "valori esatti (frazioni come 3/4 o decimali).",
)
SGD_LOSS0 = Text("minibatch loss L at the start", "loss L del minibatch all'inizio")
SGD_GRAD = Text("dL/d{p} at the start", "dL/d{p} all'inizio")
SGD_AFTER = Text("{p} after the step", "{p} dopo il passo")
SGD_LOSS1 = Text("minibatch loss after the step", "loss del minibatch dopo il passo")
SGD_BATCH_ONE = Text(
    "Minibatch ({m} example): only it enters the gradient.",
    "Minibatch ({m} esempio): solo lui entra nel gradiente.",
)
SGD_BATCH_MANY = Text(
    "Minibatch ({m} examples): only these enter the gradient.",
    "Minibatch ({m} esempi): solo questi entrano nel gradiente.",
)
SGD_RESIDUAL = Text(
    "x = {x}, y = {y}: residual y_hat - y = {value}",
    "x = {x}, y = {y}: residuo y_hat - y = {value}",
)
SGD_LOSS_START = Text("L(start) = {value}", "L(inizio) = {value}")
SGD_GRAD_W = Text(
    "dL/dw = (2/{m}) * sum residual*x = {value}", "dL/dw = (2/{m}) * somma residuo*x = {value}"
)
SGD_GRAD_B = Text(
    "dL/db = (2/{m}) * sum residual = {value}", "dL/db = (2/{m}) * somma residuo = {value}"
)
SGD_FELL = Text(
    "L(after) = {value}: the minibatch loss fell.",
    "L(dopo) = {value}: la loss del minibatch è scesa.",
)
SGD_OVERSHOT = Text(
    "L(after) = {value}: the minibatch loss did not fall: the step overshot (eta too large).",
    "L(dopo) = {value}: la loss del minibatch non è scesa: il passo è andato oltre il minimo "
    "(eta troppo grande).",
)
SGD_ON_THE_CURVE = Text("The step on the loss curve:", "Il passo sulla curva della loss:")
SGD_LEGEND_STEP = Text("* = w1 after the step", "* = w1 dopo il passo")

# --- tensor-shapes ----------------------------------------------------------------------------

TS_STATEMENT = Text(
    "Give the shape of each result as (2, 3) or 2x3 (() for a 0-d tensor, 'error' when "
    "PyTorch raises), and answer yes/no where asked.",
    "Dai la forma di ogni risultato come (2, 3) o 2x3 (() per un tensore 0-d, 'errore' quando "
    "PyTorch solleva un'eccezione), e rispondi sì/no dove è chiesto.",
)
TS_BINARY = Text("a {op} b with a = {a}, b = {b}", "a {op} b con a = {a}, b = {b}")
TS_ON = Text("{call} with t = {t}", "{call} con t = {t}")
TS_SHAPE_OR_ERROR = Text("shape of {expr} (or error)", "forma di {expr} (o errore)")
TS_SHAPE = Text("shape of {expr}", "forma di {expr}")
TS_ALIGN = Text(
    "{key}: {expr}. Align the shapes from the right, {a} vs {b}; a missing dim counts as 1; "
    "each pair must be equal or contain a 1, which is stretched.",
    "{key}: {expr}. Allinea le forme da destra, {a} contro {b}; una dimensione mancante conta "
    "come 1; ogni coppia deve avere due valori uguali o contenere un 1, che viene esteso.",
)
TS_CLASH = Text(
    "padded pairs {pairs}: a pair has two different sizes, neither 1 -> {error}.",
    "coppie completate {pairs}: una coppia ha due dimensioni diverse, nessuna pari a 1 -> {error}.",
)
TS_PAIRS = Text("padded pairs {pairs} -> {shape}.", "coppie completate {pairs} -> {shape}.")
TS_DOT = Text(
    "1-D @ 1-D is a dot product: sizes must match, the result is 0-d.",
    "1-D @ 1-D è un prodotto scalare: le dimensioni devono coincidere, il risultato è 0-d.",
)
TS_A_1D = Text(
    "a is 1-D: treat it as (1, m), then drop that dim from the result.",
    "a è 1-D: trattalo come (1, m), poi togli quella dimensione dal risultato.",
)
TS_B_1D = Text(
    "b is 1-D: treat it as (m, 1), then drop that dim from the result.",
    "b è 1-D: trattalo come (m, 1), poi togli quella dimensione dal risultato.",
)
TS_INNER_MATCH = Text(
    "inner sizes: last of a = {a}, second-to-last of b = {b}: match.",
    "dimensioni interne: l'ultima di a = {a}, la penultima di b = {b}: coincidono.",
)
TS_INNER_DIFFER = Text(
    "inner sizes: last of a = {a}, second-to-last of b = {b}: differ -> {error}.",
    "dimensioni interne: l'ultima di a = {a}, la penultima di b = {b}: diverse -> {error}.",
)
TS_BATCH = Text(
    "batch dims {a} and {b} broadcast -> {shape}.",
    "le dimensioni di batch {a} e {b} si combinano con il broadcasting -> {shape}.",
)
TS_ALL_DIMS = Text(
    "no dim: the reduction runs over every element -> 0-d tensor ().",
    "nessuna dim: la riduzione passa su tutti gli elementi -> tensore 0-d ().",
)
TS_DIM_KEPT = Text(
    "dim {dims}{negative} of {shape} is kept with size 1 (keepdim=True).",
    "la dim {dims}{negative} di {shape} resta, con dimensione 1 (keepdim=True).",
)
TS_DIM_REMOVED = Text(
    "dim {dims}{negative} of {shape} is removed.", "la dim {dims}{negative} di {shape} sparisce."
)
TS_DIMS_KEPT = Text(
    "dims {dims}{negative} of {shape} are kept with size 1 (keepdim=True).",
    "le dim {dims}{negative} di {shape} restano, con dimensione 1 (keepdim=True).",
)
TS_DIMS_REMOVED = Text(
    "dims {dims}{negative} of {shape} are removed.",
    "le dim {dims}{negative} di {shape} spariscono.",
)
TS_NEGATIVE_DIM = Text(
    " (a negative dim counts from the end)", " (una dim negativa si conta dalla fine)"
)
TS_INFER = Text(
    "{key}: {expr}. t is contiguous with {numel} elements; -1 takes whatever size makes the "
    "element count match.",
    "{key}: {expr}. t è contiguo con {numel} elementi; -1 prende la dimensione che fa tornare "
    "il numero di elementi.",
)
TS_NOT_INTEGER = Text("-> not an integer: {error}.", "-> non è un intero: {error}.")
TS_STRIDES = Text(
    "{key}: u has shape {shape} and strides {strides} (t's strides {original}, reordered).",
    "{key}: u ha forma {shape} e stride {strides} (gli stride di t, {original}, riordinati).",
)
TS_CONTIGUOUS = Text(
    "contiguous means each stride equals the product of the sizes after it: {answer}.",
    "contiguo vuol dire che ogni stride è il prodotto delle dimensioni che lo seguono: {answer}.",
)
TS_RUNS = Text(
    "a view can only split or merge dims that sit back to back in memory; here those runs "
    "have sizes {chunks}, so {new} must group into exactly those products (running products "
    "hitting {hits}).",
    "una view può solo dividere o unire dimensioni contigue in memoria; qui quei blocchi "
    "hanno dimensioni {chunks}, quindi {new} deve raggrupparsi esattamente in quei prodotti "
    "(prodotti cumulativi che toccano {hits}).",
)
TS_VIEW_LEGAL = Text("-> view legal", "-> view lecita")
TS_VIEW_RAISES = Text(
    "-> view raises a RuntimeError; u.reshape(...) would copy, or use u.contiguous().view(...).",
    "-> view solleva un RuntimeError; u.reshape(...) copierebbe, oppure usa "
    "u.contiguous().view(...).",
)
TS_IS_CONTIGUOUS = Text("{how}: is u contiguous? (yes/no)", "{how}: u è contiguo? (sì/no)")
TS_IS_LEGAL = Text("{expr}: legal? (yes/no)", "{expr}: è lecita? (sì/no)")

# --- conv-shape -------------------------------------------------------------------------------

CONV_STATEMENT = Text(
    "An input of shape (N, C, H, W) = (1, {c}, {h}, {w}) goes through:\n{layers}\nGive the "
    "output shape (C, H, W) after each layer (as (16, 14, 14) or 16x14x14) and the number of "
    "parameters of each Conv2d.",
    "Un input di forma (N, C, H, W) = (1, {c}, {h}, {w}) attraversa:\n{layers}\nDai la forma "
    "dell'output (C, H, W) dopo ogni strato (come (16, 14, 14) o 16x14x14) e il numero di "
    "parametri di ogni Conv2d.",
)
CONV_STATEMENT_TOTAL = Text(
    "An input of shape (N, C, H, W) = (1, {c}, {h}, {w}) goes through:\n{layers}\nGive the "
    "output shape (C, H, W) after each layer (as (16, 14, 14) or 16x14x14), the number of "
    "parameters of each Conv2d and the total.",
    "Un input di forma (N, C, H, W) = (1, {c}, {h}, {w}) attraversa:\n{layers}\nDai la forma "
    "dell'output (C, H, W) dopo ogni strato (come (16, 14, 14) o 16x14x14), il numero di "
    "parametri di ogni Conv2d e il totale.",
)
CONV_RULE = Text(
    "Output size per spatial dim: floor((W + 2P - D*(K - 1) - 1) / S) + 1; with D = 1 this is "
    "floor((W + 2P - K) / S) + 1. A Conv2d has out_channels*in_channels*Kh*Kw weights "
    "(+ out_channels biases) and sets the channels; pooling has no parameters and keeps them.",
    "Dimensione dell'output per ogni dimensione spaziale: floor((W + 2P - D*(K - 1) - 1) / S) "
    "+ 1; con D = 1 diventa floor((W + 2P - K) / S) + 1. Una Conv2d ha "
    "out_channels*in_channels*Kh*Kw pesi (+ out_channels bias) e fissa i canali; il pooling "
    "non ha parametri e li lascia com'erano.",
)
CONV_SHAPE_AFTER = Text("shape after layer {i} (C, H, W)", "forma dopo lo strato {i} (C, H, W)")
CONV_PARAMS_OF = Text("parameters of layer {i}", "parametri dello strato {i}")
CONV_TOTAL_FIELD = Text("total parameters", "parametri in tutto")
CONV_LAYER = Text("Layer {i}, {call}: {sizes} -> {shape}", "Strato {i}, {call}: {sizes} -> {shape}")
CONV_PARAMS = Text("parameters: {formula} = {n}", "parametri: {formula} = {n}")
CONV_NO_BIAS = Text("(no bias)", "(senza bias)")
CONV_TOTAL = Text("Total parameters: {total}", "Parametri in tutto: {total}")

# --- rnn-params -------------------------------------------------------------------------------

RNN_STATEMENT = Text(
    "For {call}: give the shapes of weight_ih_l{last} and weight_hh_l0 and the total number "
    "of parameters.",
    "Per {call}: dai le forme di weight_ih_l{last} e weight_hh_l0 e il numero totale di parametri.",
)
RNN_SHAPE_OF = Text("shape of {name}", "forma di {name}")
RNN_TOTAL_OF = Text("total parameters of {call}", "parametri in tutto di {call}")
RNN_BLOCK = Text(
    "{kind}: {g} gate block {gates}, stacked in the weight matrices: {g}*{h} = {rows} rows.",
    "{kind}: {g} blocco di porte {gates}, impilato nelle matrici dei pesi: {g}*{h} = {rows} righe.",
)
RNN_BLOCKS = Text(
    "{kind}: {g} gate blocks {gates}, stacked in the weight matrices: {g}*{h} = {rows} rows.",
    "{kind}: {g} blocchi di porte {gates}, impilati nelle matrici dei pesi: {g}*{h} = {rows} "
    "righe.",
)
RNN_READS_INPUT = Text(
    "{shape} (layer 0 reads input_size features)",
    "{shape} (lo strato 0 legge input_size feature)",
)
RNN_READS_BELOW = Text(
    "{shape} (layer {layer} reads the previous layer's output: H*{dirs} = {width})",
    "{shape} (lo strato {layer} legge l'output dello strato precedente: H*{dirs} = {width})",
)
RNN_LAYER = Text(
    "layer {layer}: {formula} = {n} per direction", "strato {layer}: {formula} = {n} per direzione"
)
RNN_LAYER_BIDIRECTIONAL = Text(
    "layer {layer}: {formula} = {n} per direction, x2 directions = {both}",
    "strato {layer}: {formula} = {n} per direzione, x2 direzioni = {both}",
)
RNN_TOTAL = Text("total = {total}", "in tutto = {total}")
RNN_THEN = Text(
    "Then {setup}\nGive decimals (within 1e-3 absolute or 0.1% relative error).",
    "Poi {setup}\nDai decimali (entro 1e-3 di errore assoluto o 0.1% di errore relativo).",
)
RNN_LSTM_SETUP = Text(
    "one step of a scalar LSTM cell (input and hidden size 1) with x = {x}, h0 = {h0}, "
    "c0 = {c0} and weights\n{weights}\n    i, f, o = sigmoid(w_x*x + w_h*h0 + b), "
    "g = tanh(w_x*x + w_h*h0 + b), c1 = f*c0 + i*g, h1 = o*tanh(c1).",
    "un passo di una cella LSTM scalare (input e hidden size 1) con x = {x}, h0 = {h0}, "
    "c0 = {c0} e pesi\n{weights}\n    i, f, o = sigmoid(w_x*x + w_h*h0 + b), "
    "g = tanh(w_x*x + w_h*h0 + b), c1 = f*c0 + i*g, h1 = o*tanh(c1).",
)
RNN_GRU_SETUP = Text(
    "one step of a scalar GRU cell (input and hidden size 1) with x = {x}, h0 = {h0} and "
    "weights\n{weights}\n    r, z = sigmoid(w_x*x + w_h*h0 + b), "
    "n = tanh(w_xn*x + b_n + r*(w_hn*h0 + b_hn)), h1 = (1 - z)*n + z*h0.",
    "un passo di una cella GRU scalare (input e hidden size 1) con x = {x}, h0 = {h0} e "
    "pesi\n{weights}\n    r, z = sigmoid(w_x*x + w_h*h0 + b), "
    "n = tanh(w_xn*x + b_n + r*(w_hn*h0 + b_hn)), h1 = (1 - z)*n + z*h0.",
)
#: The values asked of one LSTM or GRU step.
RNN_STEP_LABELS: dict[str, Text] = {
    "i": Text("input gate i", "porta d'ingresso i"),
    "f": Text("forget gate f", "porta di oblio f"),
    "g": Text("cell candidate g", "candidato della cella g"),
    "o": Text("output gate o", "porta d'uscita o"),
    "c1": Text("new cell state c1", "nuovo stato della cella c1"),
    "h1": Text("new hidden state h1", "nuovo stato nascosto h1"),
    "r": Text("reset gate r", "porta di reset r"),
    "z": Text("update gate z", "porta di aggiornamento z"),
    "n": Text("new gate n", "porta nuova n"),
}
RNN_GRU_NEW = Text("new h1", "nuovo h1")
RNN_HIDDEN_ONLY = Text("(r scales the hidden term only)", "(r scala solo il termine nascosto)")
RNN_ONE_STEP = Text("One {kind} step:", "Un passo di {kind}:")

# --- vq-assign --------------------------------------------------------------------------------

VQ_STATEMENT = Text(
    "A VQ-VAE codebook holds K = {k} vectors of dimension {dim}: {book}. The encoder outputs "
    "{enc}. Give the squared Euclidean distance ||z_i - e_j||^2 for every pair (the squares of "
    "what torch.cdist(z, codebook) returns) and the code index each z_i is quantized to "
    "(argmin over j).",
    "Un codebook di VQ-VAE contiene K = {k} vettori di dimensione {dim}: {book}. L'encoder "
    "produce {enc}. Dai la distanza euclidea al quadrato ||z_i - e_j||^2 per ogni coppia (i "
    "quadrati di ciò che restituisce torch.cdist(z, codebook)) e l'indice del codice su cui "
    "viene quantizzato ogni z_i (argmin su j).",
)
VQ_CODE_FOR = Text("code index chosen for z{i}", "indice del codice scelto per z{i}")
VQ_RULE = Text(
    "||z - e||^2 = sum over coordinates of (z_d - e_d)^2; the code is the nearest e_j.",
    "||z - e||^2 = somma sulle coordinate di (z_d - e_d)^2; il codice è l'e_j più vicino.",
)
VQ_NEAREST = Text(
    "z{i}: distances [{row}] -> smallest at j = {j}, so z{i} -> e{j} = {code}",
    "z{i}: distanze [{row}] -> la più piccola a j = {j}, quindi z{i} -> e{j} = {code}",
)
VQ_ALL_USED = Text("Codes used: {used} of {k}.", "Codici usati: {used} su {k}.")
VQ_SOME_UNUSED = Text(
    "Codes used: {used} of {k}; unused codes {unused} get no update from this batch.",
    "Codici usati: {used} su {k}; i codici non usati {unused} non ricevono aggiornamenti da "
    "questo batch.",
)

# --- iou-nms ----------------------------------------------------------------------------------

IOU_STATEMENT = Text(
    "Boxes are (x1, y1, x2, y2). A = {a}, B = {b}. Give IoU(A, B) as a fraction.",
    "I box sono (x1, y1, x2, y2). A = {a}, B = {b}. Dai IoU(A, B) come frazione.",
)
IOU_NMS_STATEMENT = Text(
    "Then run non-maximum suppression with IoU threshold {thr} (a box is dropped when its IoU "
    "with a kept box is > {thr}) on {boxes}. Which indices are kept (any order, e.g. 0 2 3)?",
    "Poi esegui la non-maximum suppression con soglia di IoU {thr} (un box viene scartato "
    "quando la sua IoU con un box tenuto è > {thr}) su {boxes}. Quali indici restano (in "
    "qualsiasi ordine, per esempio 0 2 3)?",
)
IOU_BOX = Text("#{i}: {box} score {score}", "#{i}: {box} punteggio {score}")
IOU_KEPT_FIELD = Text("indices kept by NMS", "indici tenuti da NMS")
IOU_RULE = Text(
    "IoU = area of intersection / area of union; union = area A + area B - intersection.",
    "IoU = area dell'intersezione / area dell'unione; unione = area A + area B - intersezione.",
)
IOU_OVERLAP = Text(
    "IoU({name}): intersection width {width}, height {height} -> intersection {area}",
    "IoU({name}): larghezza dell'intersezione {width}, altezza {height} -> intersezione {area}",
)
IOU_NO_OVERLAP = Text(
    "IoU({name}): intersection width {width}, height {height} -> no overlap, intersection 0",
    "IoU({name}): larghezza dell'intersezione {width}, altezza {height} -> nessuna "
    "sovrapposizione, intersezione 0",
)
IOU_UNION = Text("union = {union}; IoU = {iou}", "unione = {union}; IoU = {iou}")
IOU_SORT = Text("NMS: sort by score: {order}.", "NMS: ordina per punteggio: {order}.")
IOU_KEEP_COMPARE = Text(
    "keep #{best} (score {score}); compare the rest:",
    "tieni #{best} (punteggio {score}); confronta gli altri:",
)
IOU_KEEP_LAST = Text(
    "keep #{best} (score {score}); nothing left to compare.",
    "tieni #{best} (punteggio {score}); non resta niente da confrontare.",
)
IOU_DROP = Text("IoU(#{best}, #{j}) = {iou} -> drop", "IoU(#{best}, #{j}) = {iou} -> scarta")
IOU_KEEP_FOR_NOW = Text(
    "IoU(#{best}, #{j}) = {iou} -> keep for now", "IoU(#{best}, #{j}) = {iou} -> tieni per ora"
)
IOU_KEPT = Text("Kept: {kept}", "Tenuti: {kept}")
