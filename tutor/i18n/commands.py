"""What ``tutor bank``, ``stats``, ``doctor``, ``export`` and ``drill`` print, and the help
of their options.

The bank validator's ``file:line:column: message`` lines are for bank authors and stay
English; so do the JSON reports, whose keys and values are for programs.
"""

from __future__ import annotations

from tutor.i18n import Text

HELP_JSON = Text("print JSON", "stampa JSON")
METAVAR_ACTION = Text("ACTION", "AZIONE")

# --- tutor bank -------------------------------------------------------------------------------

BANK_HELP_LIST = Text("list the questions", "elenca le domande")
BANK_HELP_TOPIC = Text(
    "only this topic (a–h, or NS:KEY for an extra bank)",
    "solo questo argomento (a–h, o NS:CHIAVE per una banca aggiuntiva)",
)
BANK_HELP_JSON_LIST = Text("print a JSON array", "stampa un array JSON")
BANK_HELP_SHOW = Text(
    "show a question and its model answer", "mostra una domanda e la sua risposta"
)
BANK_HELP_ID = Text("question id, e.g. a.01", "id della domanda, per esempio a.01")
BANK_HELP_LANG = Text(
    "answer language (default: the run's, see 'tutor --lang')",
    "lingua della risposta (predefinita: quella del comando, vedi 'tutor --lang')",
)
BANK_HELP_RAW = Text("print the Markdown/LaTeX source", "stampa il sorgente Markdown/LaTeX")
BANK_HELP_VALIDATE = Text(
    "check bank directories (default: the built-in bank)",
    "controlla cartelle di domande (predefinita: la banca inclusa)",
)
BANK_HELP_DIRS = Text("bank directories to check", "cartelle di domande da controllare")
BANK_HELP_STRICT = Text("treat warnings as errors", "tratta gli avvisi come errori")
NO_SUCH_DIR = Text("no such directory: {path}", "cartella inesistente: {path}")
BANK_INVALID = Text("tutor: {errors}, {warnings}", "tutor: {errors}, {warnings}")
BANK_VALID = Text("bank valid ({warnings})", "banca valida ({warnings})")
#: Counts, one and many (English keeps its "(s)").
ERRORS_ONE = Text("{n} error(s)", "{n} errore")
ERRORS_MANY = Text("{n} error(s)", "{n} errori")
WARNINGS_ONE = Text("{n} warning(s)", "{n} avviso")
WARNINGS_MANY = Text("{n} warning(s)", "{n} avvisi")

# --- tutor stats ------------------------------------------------------------------------------

STATS_HELP_DAYS = Text(
    "days of history and forecast (default 14)",
    "giorni di storico e di previsione (predefinito 14)",
)
STATS_BAD_DAYS = Text("--days must be between 1 and 365", "--days deve essere compreso fra 1 e 365")
STATS_TODAY = Text(
    "Today: {reviews} reviews, {new} new, {due} due now",
    "Oggi: {reviews} ripassi, {new} nuove, {due} da ripassare ora",
)
#: The columns of the topic table, in print order.
STATS_COLUMNS: dict[str, Text] = {
    "topic": Text("topic", "argomento"),
    "total": Text("total", "totale"),
    "new": Text("new", "nuove"),
    "due": Text("due", "scadute"),
    "learned": Text("learned", "imparate"),
    "retention": Text("retention", "ritenzione"),
    "mastery": Text("mastery", "padronanza"),
}
STATS_PER_DAY = Text("Reviews per day", "Ripassi al giorno")
STATS_FORECAST = Text("Due forecast", "Previsione delle scadenze")
STATS_EXAMS = Text("Exam simulations", "Simulazioni d'esame")
STATS_MARK = Text("{mark}/30", "{mark}/30")
STATS_LODE = Text("30 e lode", "30 e lode")
STATS_EXAM_QUESTIONS = Text("({n} questions)", "({n} domande)")

# --- tutor doctor -----------------------------------------------------------------------------

DOCTOR_DESCRIPTION = Text(
    "Check the progress database: SQLite's integrity check including indexes, and every "
    "record decoded. Exit status 1 when something is wrong. --repair backs the database up "
    "first, then rebuilds the indexes and moves unreadable records into a quarantine table "
    "(nothing is deleted).",
    "Controlla il database dei progressi: il controllo d'integrità di SQLite, indici compresi, "
    "e ogni record decodificato. Esce con stato 1 quando qualcosa non va. --repair fa prima "
    "un backup del database, poi ricostruisce gli indici e sposta i record illeggibili in una "
    "tabella di quarantena (non si cancella niente).",
)
DOCTOR_HELP_REPAIR = Text(
    "back up, rebuild indexes, set unreadable records aside",
    "fai un backup, ricostruisci gli indici, metti da parte i record illeggibili",
)
DOCTOR_HELP_JSON = Text("print the report as JSON", "stampa il resoconto come JSON")
#: A count of records of each table: one, many.
DOCTOR_ONE: dict[str, Text] = {
    "cards": Text("card", "carta"),
    "reviews": Text("review", "ripasso"),
    "attempts": Text("attempt", "tentativo"),
    "exams": Text("exam", "esame"),
    "drill_results": Text("drill result", "risultato d'esercizio"),
    "settings": Text("setting", "impostazione"),
    "drafts": Text("draft", "bozza"),
}
DOCTOR_MANY: dict[str, Text] = {
    "cards": Text("cards", "carte"),
    "reviews": Text("reviews", "ripassi"),
    "attempts": Text("attempts", "tentativi"),
    "exams": Text("exams", "esami"),
    "drill_results": Text("drill results", "risultati d'esercizio"),
    "settings": Text("settings", "impostazioni"),
    "drafts": Text("drafts", "bozze"),
}
DOCTOR_PROBLEM_ONE = Text("{n} problem", "{n} problema")
DOCTOR_PROBLEM_MANY = Text("{n} problems", "{n} problemi")
DOCTOR_VALUE_ONE = Text("{n} value", "{n} valore")
DOCTOR_VALUE_MANY = Text("{n} values", "{n} valori")
#: What a repair did with a value, and what that means for the student.
DOCTOR_ACTIONS: dict[str, Text] = {
    "moved": Text("moved", "spostato"),
    "cleared": Text("cleared", "svuotato"),
}
DOCTOR_MEANING: dict[str, Text] = {
    "cards/moved": Text(
        "the question starts afresh; its reviews are kept",
        "la domanda riparte da zero; i suoi ripassi restano",
    ),
    "settings/moved": Text("the default applies", "vale il valore predefinito"),
    "attempts/cleared": Text("the answer is kept", "la risposta resta"),
    "reviews/cleared": Text("the rating is kept", "la valutazione resta"),
    "exams/cleared": Text("the mark is kept", "il voto resta"),
}
DOCTOR_LABEL_DATABASE = Text("progress database", "database dei progressi")
DOCTOR_LABEL_INTEGRITY = Text("integrity check", "controllo d'integrità")
DOCTOR_LABEL_RECORDS = Text("records", "record")
DOCTOR_LABEL_QUARANTINE = Text("quarantine", "quarantena")
DOCTOR_LABEL_BACKUP = Text("backup", "backup")
DOCTOR_LABEL_REINDEXED = Text("rebuilt indexes", "indici ricostruiti")
DOCTOR_LABEL_ASIDE = Text("set aside", "messo da parte")
DOCTOR_NO_DATABASE = Text(
    "no progress database at {path} yet: nothing to check",
    "ancora nessun database dei progressi in {path}: niente da controllare",
)
DOCTOR_CANNOT_OPEN = Text("cannot open it: {error}", "impossibile aprirlo: {error}")
DOCTOR_CANNOT_READ = Text("cannot read it all: {error}", "impossibile leggerlo tutto: {error}")
DOCTOR_DATABASE = Text(
    "{path} (schema {schema}, {kib:.0f} KiB)", "{path} (schema {schema}, {kib:.0f} KiB)"
)
DOCTOR_FINE = Text("everything is fine", "è tutto a posto")
DOCTOR_FOUND = Text(
    "{problems} found; `tutor doctor --repair` backs the database up, then rebuilds the "
    "indexes and sets the unreadable records aside (nothing is deleted)",
    "{problems} in tutto; `tutor doctor --repair` fa un backup del database, poi ricostruisce "
    "gli indici e mette da parte i record illeggibili (non si cancella niente)",
)
DOCTOR_INTEGRITY_BAD = Text("{problems} (tables and indexes):", "{problems} (tabelle e indici):")
DOCTOR_MORE = Text("… and {n} more", "… e altri {n}")
DOCTOR_INTEGRITY_OK = Text("ok (tables and indexes)", "ok (tabelle e indici)")
DOCTOR_RECORDS_BAD = Text("{records}: {n} unreadable:", "{records}: {n} illeggibili:")
DOCTOR_RECORDS_OK = Text("{records}: all readable", "{records}: tutti leggibili")
DOCTOR_PROBLEM = Text(
    "{what} {key} ({table}.{column}): {reason}", "{what} {key} ({table}.{column}): {reason}"
)
DOCTOR_QUARANTINE = Text(
    "{values} set aside by earlier repairs", "{values} messi da parte da riparazioni precedenti"
)
DOCTOR_QUARANTINE_EMPTY = Text("empty", "vuota")
DOCTOR_NOT_REPAIRED = Text(
    "not repaired: {error} (nothing was changed)", "non riparato: {error} (non è cambiato niente)"
)
DOCTOR_REINDEX_OK = Text("integrity check now ok", "ora il controllo d'integrità è ok")
DOCTOR_REINDEX_LEFT = Text("{problems} left: {first}", "{problems} rimasti: {first}")
DOCTOR_ASIDE = Text(
    "{what} {key} ({column}, {action}{meaning})", "{what} {key} ({column}, {action}{meaning})"
)
DOCTOR_MEANING_SEP = Text(": {meaning}", ": {meaning}")
DOCTOR_STILL_WRONG = Text(
    "still wrong after the repair: {problems}; restore a backup (this one: {backup}) or ask "
    "for help",
    "ancora errori dopo la riparazione: {problems}; ripristina un backup (questo: {backup}) "
    "o chiedi aiuto",
)
DOCTOR_REPAIRED = Text(
    "repaired: everything is fine now (the quarantine table keeps the old values)",
    "riparato: ora è tutto a posto (la tabella di quarantena conserva i vecchi valori)",
)

# --- tutor export ---------------------------------------------------------------------------

EXPORT_DESCRIPTION = Text(
    "Export the question bank. Re-importing a newer .apkg (or CSV/TSV, which carries the same "
    "GUIDs) into Anki updates the existing notes instead of adding copies.",
    "Esporta la banca di domande. Reimportare in Anki un .apkg più recente (o un CSV/TSV, che "
    "porta gli stessi GUID) aggiorna le note esistenti invece di aggiungerne copie.",
)
EXPORT_HELP_FORMAT = Text(
    "output format (default: from the file name's extension)",
    "formato di uscita (predefinito: dall'estensione del nome del file)",
)
EXPORT_HELP_OUTPUT = Text("file to write", "file da scrivere")
EXPORT_HELP_LANG = Text(
    "answer language; 'both' puts English then Italian on each card (default: 'tutor --lang' "
    "if given, else en; json: both)",
    "lingua delle risposte; 'both' mette inglese e poi italiano su ogni carta (predefinita: "
    "'tutor --lang' se indicato, altrimenti en; json: both)",
)
EXPORT_HELP_TOPIC = Text("only these topics (e.g. a,c)", "solo questi argomenti (per esempio a,c)")
EXPORT_HELP_IDS = Text(
    "also/only these questions (e.g. a.01,b.03)",
    "anche/solo queste domande (per esempio a.01,b.03)",
)
EXPORT_HELP_FORCE = Text("overwrite PATH if it exists", "sovrascrivi PATH se esiste")
EXPORT_HELP_JSON = Text("print a JSON summary on stdout", "stampa un riepilogo JSON su stdout")
EXPORT_DONE = Text(
    "exported {questions} from {topics} to {path} ({format}, {kib:.0f} KiB, {seconds:.2f} s)",
    "esportazione di {questions} da {topics} in {path} ({format}, {kib:.0f} KiB, {seconds:.2f} s)",
)
QUESTIONS_ONE = Text("{n} question(s)", "{n} domanda")
QUESTIONS_MANY = Text("{n} question(s)", "{n} domande")
TOPICS_ONE = Text("{n} topic(s)", "{n} argomento")
TOPICS_MANY = Text("{n} topic(s)", "{n} argomenti")
EXPORT_ANKI = Text(
    "import it in Anki (File → Import); re-importing a newer export updates the notes",
    "importalo in Anki (File → Importa); reimportare un'esportazione più recente aggiorna le note",
)

# --- tutor drill ----------------------------------------------------------------------------

DRILL_DESCRIPTION = Text(
    "'tutor drill list' shows the drills; 'tutor drill NAME' asks one exercise.",
    "'tutor drill list' elenca gli esercizi; 'tutor drill NOME' ne propone uno.",
)
DRILL_HELP_NAME = Text("a drill name, or 'list'", "il nome di un esercizio, o 'list'")
DRILL_HELP_SEED = Text(
    "exercise seed (default: random)", "seme dell'esercizio (predefinito: a caso)"
)
DRILL_HELP_DIFFICULTY = Text(
    "difficulty level (default 1)", "livello di difficoltà (predefinito 1)"
)
DRILL_HELP_JSON = Text("print JSON instead of asking", "stampa JSON invece di chiedere")
DRILL_HELP_CHECK = Text("check a JSON answer file", "verifica un file JSON di risposte")
DRILL_UNKNOWN = Text(
    "unknown drill {name!r} (known: {known})", "esercizio sconosciuto {name!r} (noti: {known})"
)
DRILL_BAD_DIFFICULTY = Text(
    "--difficulty must be 1, 2 or 3, not {difficulty}",
    "--difficulty deve essere 1, 2 o 3, non {difficulty}",
)
DRILL_CANNOT_READ = Text("cannot read {path}: {reason}", "impossibile leggere {path}: {reason}")
DRILL_NOT_JSON = Text("{path} is not valid JSON: {detail}", "{path} non è JSON valido: {detail}")
DRILL_NOT_OBJECT = Text(
    "{path} must hold a JSON object: field key -> answer",
    "{path} deve contenere un oggetto JSON: chiave del campo -> risposta",
)
DRILL_IGNORED_KEYS = Text(
    "note: ignored keys not in this exercise: {keys}",
    "nota: ignorate le chiavi che non sono in questo esercizio: {keys}",
)
DRILL_HEADING = Text(
    "{title}  ·  {drill} (seed {seed}, difficulty {difficulty})",
    "{title}  ·  {drill} (seme {seed}, difficoltà {difficulty})",
)
DRILL_RIGHT = Text("✓ {key}: {label}", "✓ {key}: {label}")
DRILL_WRONG = Text(
    "✗ {key}: {label} — you gave {given}, expected {expected}",
    "✗ {key}: {label} — hai scritto {given}, atteso {expected}",
)
DRILL_NOTHING = Text("(nothing)", "(niente)")
DRILL_HINT = Text(" ({hint})", " ({hint})")
DRILL_SCORE = Text("{correct}/{total} correct", "{correct}/{total} corrette")
DRILL_SOLUTION = Text("Worked solution:", "Soluzione svolta:")
DRILL_PROMPT = Text("{label}: ", "{label}: ")
DRILL_STOPPED = Text("drill stopped; nothing recorded.", "esercizio interrotto; niente registrato.")
DRILL_STDIN = Text(
    "cannot read standard input: {detail}; nothing recorded",
    "impossibile leggere lo standard input: {detail}; niente registrato",
)
DRILL_NOT_RECORDED = Text(
    "tutor: warning: result not recorded: {error}",
    "tutor: avviso: risultato non registrato: {error}",
)
