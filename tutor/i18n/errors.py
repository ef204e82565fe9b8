"""Errors raised in the core (progress database, data directory, bank, exports).

They are raised as ``TutorError(TEXT, **fields)`` and rendered in the language of the run
that meets them (see ``tutor.errors``). Paths, SQLite's and the OS's own wording stay as
they are; only our sentence around them is translated.
"""

from __future__ import annotations

from tutor.i18n import Text

# --- the progress database -----------------------------------------------------------------

DATA_DIR_MISSING = Text(
    "data directory {path} does not exist", "la cartella dei dati {path} non esiste"
)
DB_CORRUPT_CHECK = Text(
    "progress database {path} is corrupt ({detail}); it was left untouched: move it away to "
    "start afresh, or restore a backup",
    "il database dei progressi {path} è danneggiato ({detail}); non è stato toccato: "
    "spostalo altrove per ripartire da zero, oppure ripristina un backup",
)
DB_CORRUPT_NOT_SQLITE = Text(
    "progress database {path} is corrupt (not an SQLite file); it was left untouched: move it "
    "away to start afresh, or restore a backup",
    "il database dei progressi {path} è danneggiato (non è un file SQLite); non è stato "
    "toccato: spostalo altrove per ripartire da zero, oppure ripristina un backup",
)
DB_EMPTY = Text(
    "progress database {path} is empty (0 bytes), as if it had been truncated; it was left "
    "untouched: restore a backup, or move it away to start afresh",
    "il database dei progressi {path} è vuoto (0 byte), come se fosse stato troncato; non è "
    "stato toccato: ripristina un backup, oppure spostalo altrove per ripartire da zero",
)
DB_CANNOT_READ = Text(
    "cannot read progress database {path}: {reason}",
    "impossibile leggere il database dei progressi {path}: {reason}",
)
DB_CANNOT_WRITE = Text(
    "cannot write progress database {path}: {reason}",
    "impossibile scrivere il database dei progressi {path}: {reason}",
)
DB_NOT_OURS = Text(
    "{path} is not a cidl-tutor progress database ({why}); it was left untouched: move it "
    "away, or use --data-dir to choose another directory",
    "{path} non è un database dei progressi di cidl-tutor ({why}); non è stato toccato: "
    "spostalo altrove, oppure scegli un'altra cartella con --data-dir",
)
WHY_APP_ID = Text("its application id is {app_id}", "il suo application id è {app_id}")
WHY_TABLES = Text("it has tables {tables}", "contiene le tabelle {tables}")
WHY_NO_TABLES = Text("it has no cidl-tutor tables", "non contiene tabelle di cidl-tutor")
DB_LOCKED = Text(
    "progress database {path} is locked by another tutor instance; close it and try again",
    "il database dei progressi {path} è bloccato da un'altra istanza del tutor; chiudila e riprova",
)
DB_DISK_FULL = Text(
    "cannot write progress database {path}: the disk is full (free some space and try again; "
    "nothing saved so far was lost)",
    "impossibile scrivere il database dei progressi {path}: il disco è pieno (libera un po' di "
    "spazio e riprova; niente di quanto salvato finora è andato perso)",
)
DB_IO_ERROR = Text(
    "cannot use progress database {path}: disk I/O error (is the disk full or failing?)",
    "impossibile usare il database dei progressi {path}: errore di I/O del disco (il disco è "
    "pieno o guasto?)",
)
DB_READ_ONLY = Text(
    "cannot write progress database {path}: the data directory is read-only or missing "
    "(use --data-dir or TUTOR_DATA_DIR to choose another)",
    "impossibile scrivere il database dei progressi {path}: la cartella dei dati è in sola "
    "lettura o non esiste (scegline un'altra con --data-dir o TUTOR_DATA_DIR)",
)
DB_CORRUPT = Text(
    "progress database {path} is corrupt ({detail}); it was left untouched: move it away to "
    "start afresh, or restore a backup",
    "il database dei progressi {path} è danneggiato ({detail}); non è stato toccato: "
    "spostalo altrove per ripartire da zero, oppure ripristina un backup",
)
DB_OTHER = Text("progress database {path}: {detail}", "database dei progressi {path}: {detail}")
DB_NEWER = Text(
    "progress database {path} was written by a newer cidl-tutor (schema {version} > "
    "{supported}); upgrade cidl-tutor",
    "il database dei progressi {path} è stato scritto da un cidl-tutor più recente (schema "
    "{version} > {supported}); aggiorna cidl-tutor",
)
NO_ATTEMPT = Text(
    "there is no attempt {attempt} in {path}", "non c'è il tentativo {attempt} in {path}"
)
BACKUP_EXISTS = Text("backup {path} already exists", "il backup {path} esiste già")
BACKUP_FAILED = Text(
    "cannot write backup {path}: {detail}", "impossibile scrivere il backup {path}: {detail}"
)

UNREADABLE = Text(
    "{what} {key} in {path} is unreadable: {reason}; move the file away or run `tutor doctor`",
    "{what} {key} in {path} è illeggibile: {reason}; sposta il file altrove o esegui "
    "`tutor doctor`",
)
#: The kind of record of each table, as an unreadable-record message names it.
RECORDS: dict[str, Text] = {
    "cards": Text("card", "la carta"),
    "reviews": Text("review", "il ripasso"),
    "attempts": Text("attempt", "il tentativo"),
    "exams": Text("exam", "l'esame"),
    "settings": Text("setting", "l'impostazione"),
    "drill_results": Text("drill result", "il risultato d'esercizio"),
    "drafts": Text("draft", "la bozza"),
}
REASON_MISSING = Text("the value is missing", "il valore manca")
REASON_NOT_UTF8 = Text("it is not UTF-8 text", "non è testo UTF-8")
REASON_NOT_TEXT = Text(
    "expected JSON text, found a {found}", "atteso testo JSON, trovato un valore {found}"
)
REASON_BAD_JSON = Text(
    "not valid JSON ({detail} at character {pos})", "JSON non valido ({detail} al carattere {pos})"
)
REASON_UNUSABLE_JSON = Text("not usable JSON ({kind})", "JSON non utilizzabile ({kind})")
REASON_WRONG_JSON = Text("expected a JSON {kind}", "atteso un JSON di tipo {kind}")
REASON_NOT_TIMESTAMP = Text("{column} is not a timestamp", "{column} non è una data e ora")
REASON_NO_TIMEZONE = Text("{column} has no time zone", "{column} non ha il fuso orario")
JSON_KINDS: dict[str, Text] = {
    "object": Text("object", "oggetto"),
    "array": Text("array", "array"),
    "string": Text("string", "stringa"),
}

# --- the data directory ----------------------------------------------------------------------

DATA_DIR_NOT_DIR = Text(
    "data directory {path} is not a directory", "la cartella dei dati {path} non è una cartella"
)
DATA_DIR_CANNOT_CREATE = Text(
    "cannot create data directory {path}: {reason}",
    "impossibile creare la cartella dei dati {path}: {reason}",
)

# --- the bank ------------------------------------------------------------------------------------

INVALID_BANK = Text("invalid question bank: {detail}", "banca di domande non valida: {detail}")
UNKNOWN_QUESTION = Text(
    "unknown question id {qid!r} (see 'tutor bank list')",
    "id di domanda sconosciuto {qid!r} (vedi 'tutor bank list')",
)
UNKNOWN_TOPIC = Text(
    "unknown topic {topic!r} (known: {known})", "argomento sconosciuto {topic!r} (noti: {known})"
)

# --- exports -------------------------------------------------------------------------------------

UNKNOWN_EXPORT_LANG = Text(
    "unknown language {lang!r} (use en, it or both)",
    "lingua sconosciuta {lang!r} (usa en, it o both)",
)
UNKNOWN_FORMAT = Text(
    "unknown format {format!r} (use {formats})", "formato sconosciuto {format!r} (usa {formats})"
)
FORMAT_FROM_NAME = Text(
    "cannot tell the format from {name!r}; pass --format ({formats})",
    "impossibile capire il formato da {name!r}; indica --format ({formats})",
)
EXPORT_TO_STDOUT = Text(
    "exports go to a file, not to standard output; give a file name",
    "l'esportazione va in un file, non sullo standard output; indica il nome di un file",
)
EXPORT_IS_DIR = Text(
    "{path} is a directory; give a file name", "{path} è una cartella; indica il nome di un file"
)
EXPORT_NOT_REGULAR = Text(
    "{path} is not a regular file; give a file name",
    "{path} non è un file normale; indica il nome di un file",
)
EXPORT_NO_DIR = Text("directory {path} does not exist", "la cartella {path} non esiste")
EXPORT_PARENT_NOT_DIR = Text("{path} is not a directory", "{path} non è una cartella")
EXPORT_EXISTS = Text(
    "{path} already exists (use --force to overwrite)",
    "{path} esiste già (usa --force per sovrascriverlo)",
)
EXPORT_DENIED = Text(
    "cannot write to {path}: permission denied", "impossibile scrivere in {path}: permesso negato"
)
EXPORT_CANNOT_WRITE_IN = Text(
    "cannot write to {path}: {reason}", "impossibile scrivere in {path}: {reason}"
)
EXPORT_CANNOT_WRITE = Text("cannot write {path}: {reason}", "impossibile scrivere {path}: {reason}")
