"""What the demo screen and ``tutor demo …`` say, in English and Italian.

Error messages that come from the demo process (a parameter out of range, an unknown
device) are the platform's own one-line English messages and are shown as they are.
"""

from __future__ import annotations

from tutor.i18n import Text

# --- the screen -------------------------------------------------------------------------

HELP_TITLE = Text("Live demo", "Demo dal vivo")

NOT_AVAILABLE = Text(
    en="The demo [b]{name}[/b] is not available (escape to go back).",
    it="La demo [b]{name}[/b] non è disponibile (esc per tornare indietro).",
)
HEADING = Text(
    en="[b]{title}[/b]  [dim]({name}; questions {questions})[/dim]",
    it="[b]{title}[/b]  [dim]({name}; domande {questions})[/dim]",
)
DEVICE = Text(en="device", it="dispositivo")
DEVICE_HELP = Text(
    en="auto (CUDA, then Apple MPS, then CPU), cpu, cuda or mps",
    it="auto (CUDA, poi Apple MPS, poi CPU), cpu, cuda o mps",
)
QUICK = Text(en="quick", it="rapida")
RUN = Text(en="Run", it="Avvia")
STOP = Text(en="Stop", it="Ferma")
BACK = Text(en="Back", it="Indietro")
RUN_AGAIN = Text(en="Run again", it="Riavvia")
PARAMETERS = Text(en="Parameters", it="Parametri")
QUIT = Text(en="Quit", it="Esci")

STARTING = Text(
    en="starting the demo process (importing torch)…",
    it="avvio del processo della demo (import di torch)…",
)
RUNNING = Text(en="running on {device}…", it="in esecuzione su {device}…")
STOPPING = Text(en="stopping…", it="arresto in corso…")
STOPPED = Text(en="stopped", it="fermata")
ERROR = Text(en="error: {message}", it="errore: {message}")
NOT_STOPPED = Text(
    en="the demo process (pid {pid}) did not stop even after SIGKILL: {why}",
    it="il processo della demo (pid {pid}) non si è fermato nemmeno con SIGKILL: {why}",
)
NO_FIGURES = Text(
    en="figures will not be saved: {reason}",
    it="le figure non verranno salvate: {reason}",
)
DONE = Text(
    en="done: {steps} steps in {seconds} s on {device}; {checks}",
    it="finita: {steps} passi in {seconds} s su {device}; {checks}",
)
FIGURE_SAVED = Text(en="figure saved to {path}", it="figura salvata in {path}")
WAITING = Text(en="(waiting for the first record)", it="(in attesa della prima misura)")
LOOK_FOR = Text(en="What to look for:", it="Cosa osservare:")
CHANCE = Text(en="chance {value}", it="caso {value}")
STEP = Text(en="step", it="passo")
EMPTY = Text(en="(empty)", it="(vuoto)")

# --- shared by the screen and the command line ------------------------------------------

CHECKS_PASSED = Text(
    en="checks: {passed}/{total} passed", it="controlli: {passed}/{total} superati"
)

# --- tutor demo … -------------------------------------------------------------------------

HELP_DEMO = Text(
    en="run live PyTorch demos (VQ-VAE, LSTM/GRU gates, ...)",
    it="demo PyTorch dal vivo (VQ-VAE, porte di LSTM/GRU, ...)",
)
HELP_DEMO_DESCRIPTION = Text(
    en="'tutor demo list' shows the demos; 'tutor demo run NAME' runs one.",
    it="'tutor demo list' elenca le demo; 'tutor demo run NOME' ne avvia una.",
)
HELP_LIST = Text(en="list the demos and their parameters", it="elenca le demo e i parametri")
HELP_JSON_LIST = Text(en="print JSON", it="stampa JSON")
HELP_RUN = Text(en="run one demo", it="avvia una demo")
HELP_PARAM = Text(en="set a parameter (repeatable)", it="imposta un parametro (ripetibile)")
HELP_DEVICE = Text(en="default: auto", it="predefinito: auto")
HELP_QUICK = Text(en="a short run (seconds on a CPU)", it="una prova breve (secondi su CPU)")
HELP_OUT = Text(en="where figures go", it="dove salvare le figure")
HELP_SEED = Text(en="random seed (default 0)", it="seme casuale (predefinito 0)")
HELP_JSON_RUN = Text(en="stream JSON lines", it="emetti righe JSON")
HELP_LIVE = Text(
    en="show the run in the app's live demo view (q or esc quits)",
    it="mostra la prova nella vista dal vivo dell'app (q o esc per uscire)",
)
HELP_LANG = Text(en="language of the output (en or it)", it="lingua dell'output (en o it)")

LIST_QUESTIONS = Text(en="questions: {questions}", it="domande: {questions}")
LIST_PARAMS = Text(en="params: {params}", it="parametri: {params}")
RUN_HEADER = Text(en="{demo} on {device}: {params}", it="{demo} su {device}: {params}")
RUN_SUMMARY = Text(
    en="{demo}: {steps} steps in {seconds:.1f} s on {device} ({rate} steps/s)",
    it="{demo}: {steps} passi in {seconds:.1f} s su {device} ({rate} passi/s)",
)
RUN_FINAL = Text(en="final: {metrics}", it="finale: {metrics}")
RUN_SAVED = Text(en="saved: {path}", it="salvato: {path}")
RUN_CAPTION = Text(en="what to look for: {caption}", it="cosa osservare: {caption}")
UNKNOWN_DEMO = Text(
    en="unknown demo {name!r} (available: {available})",
    it="demo sconosciuta {name!r} (disponibili: {available})",
)
RUN_FAILED = Text(en="demo {name!r} failed: {error}", it="la demo {name!r} è fallita: {error}")
LIVE_NEEDS_TERMINAL = Text(
    en="--live needs a terminal (stdout is not one); drop --live to stream text",
    it="--live richiede un terminale (stdout non lo è); togli --live per l'output testuale",
)
