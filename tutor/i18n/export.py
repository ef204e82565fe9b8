"""The export dialog: the options of ``tutor export``, its checks and its result."""

from __future__ import annotations

from tutor.i18n import Text

HELP_TITLE = Text("Export", "Esporta")
INTRO = Text(
    "[b]Export[/b] — flashcards for Anki (re-importing a newer export updates your notes), "
    "a printable study sheet, or the whole bank as JSON.",
    "[b]Esporta[/b] — flashcard per Anki (importando un'esportazione più recente le note si "
    "aggiornano), una scheda di studio da stampare o l'intera banca come JSON.",
)
KEY_EXPORT = Text("Export", "Esporta")
KEY_ENTER = Text("In a text box: export", "In una casella di testo: esporta")

FORMAT = Text("Format", "Formato")
LANGUAGE = Text("Language", "Lingua")
TOPICS = Text("Topics", "Argomenti")
IDS = Text("Only these ids", "Solo questi id")
IDS_PLACEHOLDER = Text(
    "optional, e.g. a.01, c.04 (overrides topics)",
    "facoltativo, per es. a.01, c.04 (ha la precedenza sugli argomenti)",
)
FILE = Text("File", "File")
EXPORT = Text("Export", "Esporta")
OVERWRITE = Text("Overwrite an existing file", "Sovrascrivi un file esistente")

FORMAT_APKG = Text("Anki package (.apkg)", "Pacchetto Anki (.apkg)")
FORMAT_CSV = Text("CSV for Anki / spreadsheets (.csv)", "CSV per Anki / fogli di calcolo (.csv)")
FORMAT_TSV = Text("TSV for Anki / spreadsheets (.tsv)", "TSV per Anki / fogli di calcolo (.tsv)")
FORMAT_MD = Text("Markdown study sheet (.md)", "Scheda di studio in Markdown (.md)")
FORMAT_JSON = Text("JSON, the full bank (.json)", "JSON, l'intera banca (.json)")
LANG_EN = Text("English", "Inglese")
LANG_IT = Text("Italiano", "Italiano")
LANG_BOTH = Text("Both (EN then IT)", "Entrambe (EN poi IT)")

NOTHING_CHOSEN = Text(
    "Tick at least one topic or type some question ids.",
    "Spunta almeno un argomento o scrivi degli id di domande.",
)
UNKNOWN_IDS = Text(
    "Unknown question id: {ids} (ids look like a.01; b shows them all)",
    "Id di domanda sconosciuto: {ids} (gli id sono come a.01; b li mostra tutti)",
)
NO_FILE = Text("Type the file to write.", "Scrivi il file da creare.")
WRONG_SUFFIX = Text(
    "For {format} the file name must end in {suffix} ({name} does not): change the name, "
    "or pick the format that matches it.",
    "Per {format} il nome del file deve finire in {suffix} ({name} no): cambia il nome "
    "o scegli il formato che gli corrisponde.",
)
EXISTS = Text(
    "{path} already exists: tick “Overwrite an existing file” below to replace it.",
    "{path} esiste già: spunta “Sovrascrivi un file esistente” qui sotto per sostituirlo.",
)
EXPORTING = Text("Exporting…", "Esportazione in corso…")
DONE = Text(
    "✓ Exported {questions} questions from {topics} topics to {path} ({kib} KiB).",
    "✓ Esportate {questions} domande da {topics} argomenti in {path} ({kib} KiB).",
)
ANKI_IMPORT = Text(
    " Import it in Anki with File → Import.", " Importalo in Anki con File → Importa."
)
NOTIFY_DONE = Text("exported to {path}", "esportato in {path}")
NO_DIRECTORY = Text("The folder {folder} does not exist.", "La cartella {folder} non esiste.")
IS_DIRECTORY = Text(
    "{path} is a folder: add a file name to it.",
    "{path} è una cartella: aggiungi il nome di un file.",
)
