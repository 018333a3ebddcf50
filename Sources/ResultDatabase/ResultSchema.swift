import Foundation
import Logging
import SQLite

/// The results database: one SQLite file that the recorder writes and `moodwire query` and
/// `moodwire report` read.
///
/// - `frames`: one row per frame the recorder committed, faces or not, unique per
///   `(source, seq)`, so that a frame re-sent by the ingest (acknowledged sources re-send after a
///   timeout) is stored once. `captured_at` and `processed_at` are Unix seconds (UTC) as REAL, which
///   keeps microsecond precision until 2106 and works with SQLite's date functions
///   (`datetime(captured_at, 'unixepoch')`). `detect_ms` and `classify_ms` are NULL when the stage
///   did not time the frame (0 µs on the wire).
/// - `faces`: one row per face, keyed by its frame and its index in the frame (WITHOUT ROWID: the key
///   is the row's only identity, so the table is one B-tree). `emotion` is the most probable of the
///   seven (the first on a tie, in FER2013 order) and `confidence` its probability; the seven
///   probabilities follow in full, then the detector's `score` and `keypoints` (a JSON object of
///   `[x, y]` pairs by name, for `json_extract`), both NULL from a detector without them (Haar).
///   The `REFERENCES` clause documents the link; the recorder writes a
///   face only right after inserting its frame, in the same transaction, so foreign-key enforcement
///   (off by default in SQLite) stays off and costs nothing per row.
/// - `face_results`: the view to query: one row per face with its frame's source, seq and capture
///   time, also as UTC text with milliseconds (`captured_time`).
///
/// Indexes serve the expected reads: a source's frames in time order, all frames in a time range,
/// and faces by emotion.
///
/// Version 2 added `score` and `keypoints`; a writer upgrades a version 1 file in place (the old
/// faces get NULLs), readers read both.
///
/// The file runs in WAL mode, so readers never block the recorder and the recorder never blocks
/// readers, with `synchronous = NORMAL`: a commit is durable against a process crash at once and
/// against power loss from the next checkpoint, and costs no fsync. The schema's version is
/// `PRAGMA user_version` (2); a build refuses a file with a newer version rather than write a layout
/// it does not know.
public enum ResultSchema {
    /// The `PRAGMA user_version` of files this build writes and reads.
    public static let version = 2
    /// The oldest version readers accept and writers upgrade.
    static let oldestVersion = 1

    /// The tables, indexes and view, as created (SQLite keeps the text, comments included, in
    /// `sqlite_schema`, so `.schema` in the sqlite3 shell shows it).
    public static let sql = """
        CREATE TABLE frames (
            id           INTEGER PRIMARY KEY,
            source       TEXT    NOT NULL,
            seq          INTEGER NOT NULL,
            captured_at  REAL    NOT NULL, -- Unix seconds, UTC, microsecond precision
            processed_at REAL    NOT NULL, -- Unix seconds when the recorder committed the frame
            width        INTEGER NOT NULL,
            height       INTEGER NOT NULL,
            face_count   INTEGER NOT NULL,
            detect_ms    REAL,             -- NULL when the detector did not time the frame
            classify_ms  REAL,             -- NULL when the classifier did not time the frame
            UNIQUE (source, seq)
        );
        CREATE INDEX frames_by_source_time ON frames (source, captured_at);
        CREATE INDEX frames_by_time ON frames (captured_at);
        CREATE TABLE faces (
            frame_id   INTEGER NOT NULL REFERENCES frames (id),
            face_index INTEGER NOT NULL, -- 0-based, in the detector's order
            x          INTEGER NOT NULL, -- box in pixels of the upright frame
            y          INTEGER NOT NULL,
            w          INTEGER NOT NULL,
            h          INTEGER NOT NULL,
            emotion    TEXT    NOT NULL, -- most probable emotion (first in FER2013 order on a tie)
            confidence REAL    NOT NULL, -- its probability
            angry      REAL    NOT NULL,
            disgust    REAL    NOT NULL,
            fear       REAL    NOT NULL,
            happy      REAL    NOT NULL,
            sad        REAL    NOT NULL,
            surprise   REAL    NOT NULL,
            neutral    REAL    NOT NULL,
            score      REAL,             -- the detector's confidence, 0 to 1; NULL for Haar
            keypoints  TEXT,             -- JSON {"right_eye": [x, y], ...} in frame pixels; NULL for Haar
            PRIMARY KEY (frame_id, face_index)
        ) WITHOUT ROWID;
        CREATE INDEX faces_by_emotion ON faces (emotion);

        """ + view

    static let view = """
        CREATE VIEW face_results AS
        SELECT frames.source, frames.seq, frames.captured_at,
               strftime('%Y-%m-%d %H:%M:%f', frames.captured_at, 'unixepoch') AS captured_time,
               faces.face_index, faces.x, faces.y, faces.w, faces.h, faces.emotion, faces.confidence,
               faces.angry, faces.disgust, faces.fear, faces.happy, faces.sad, faces.surprise, faces.neutral,
               faces.score, faces.keypoints
        FROM faces JOIN frames ON frames.id = faces.frame_id;
        """

    /// Version 1 to 2: the two columns, and the view that shows them.
    static let upgradeFromVersion1 = """
        ALTER TABLE faces ADD COLUMN score REAL; -- the detector's confidence, 0 to 1; NULL for Haar
        ALTER TABLE faces ADD COLUMN keypoints TEXT; -- JSON {"right_eye": [x, y], ...}; NULL for Haar
        DROP VIEW face_results;

        """ + view

    /// Sets up a connection for writing: WAL and `synchronous = NORMAL`, then the schema if the
    /// file has none. Refuses a newer schema version, or a file whose tables are not a results
    /// database (so pointing `--db` at another SQLite file does not write into it).
    static func prepareForWriting(_ database: Database, logger: Logger) throws(ResultDatabaseError) {
        try checkVersion(of: database, allowingEmpty: true)
        let created: Bool
        do {
            created = try configureAndCreate(database, logger: logger)
        } catch {
            throw .sqlite(error)
        }
        if created {
            logger.info("created the results database", metadata: ["path": "\(database.path)"])
        }
        try checkVersion(of: database, allowingEmpty: false)
    }

    /// WAL, `synchronous = NORMAL`, and the schema if the file is still empty under the write lock
    /// (another recorder may have created it since the check), or the upgrade of a version 1 file.
    /// Returns whether it created it.
    private static func configureAndCreate(_ database: Database, logger: Logger) throws(SQLiteError) -> Bool {
        let mode = try pragma("journal_mode = WAL", on: database)
        if mode != .text("wal") {
            logger.warning(
                "the results database is not in WAL mode; readers will block the recorder",
                metadata: ["path": "\(database.path)", "journal_mode": "\(mode)"])
        }
        try database.execute("PRAGMA synchronous = NORMAL")
        return try database.transaction { () throws(SQLiteError) -> Bool in
            let found = try userVersion(of: database)
            if found == 1 {
                try database.execute(upgradeFromVersion1 + "\nPRAGMA user_version = \(version);")
                logger.info("upgraded the results database to schema version \(version)", metadata: ["path": "\(database.path)"])
                return false
            }
            guard found == 0, try objectCount(in: database) == 0 else { return false }
            try database.execute(sql + "\nPRAGMA user_version = \(version);")
            return true
        }
    }

    /// Opens an existing database read-only (`SQLITE_OPEN_READONLY`). A missing file is an error,
    /// not a new empty database.
    static func openReadOnly(path: String) throws(ResultDatabaseError) -> Database {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .noDatabase(path: path)
        }
        do {
            return try Database(path: path, configuration: .init(access: .readOnly))
        } catch {
            throw .sqlite(error)
        }
    }

    /// Throws unless the file is a results database of a version this build reads; with
    /// `allowingEmpty`, a file with no schema at all (new) passes too.
    static func checkVersion(of database: Database, allowingEmpty: Bool) throws(ResultDatabaseError) {
        let found: Int
        let objects: Int
        do {
            found = try userVersion(of: database)
            objects = try objectCount(in: database)
        } catch {
            throw .sqlite(error)
        }
        if found > version { throw .newerSchema(path: database.path, found: found, supported: version) }
        if found < oldestVersion && !(allowingEmpty && found == 0 && objects == 0) {
            throw .notAResultsDatabase(path: database.path, userVersion: found)
        }
    }

    private static func userVersion(of database: Database) throws(SQLiteError) -> Int {
        guard case .integer(let value) = try pragma("user_version", on: database) else { return 0 }
        return Int(value)
    }

    /// Tables, indexes, views and triggers in the file.
    private static func objectCount(in database: Database) throws(SQLiteError) -> Int {
        let statement = try database.prepare("SELECT count(*) FROM sqlite_schema")
        try statement.step()
        return Int(statement.int64(at: 0))
    }

    /// The first column of the first row a `PRAGMA` returns.
    private static func pragma(_ pragma: String, on database: Database) throws(SQLiteError) -> SQLiteValue {
        let statement = try database.prepare("PRAGMA " + pragma)
        return try statement.step() ? statement.value(at: 0) : .null
    }
}

/// Why a results database could not be opened, created or read.
public enum ResultDatabaseError: Error, Sendable, CustomStringConvertible {
    /// Readers never create a database: a wrong `--db` path says so instead of showing no data.
    case noDatabase(path: String)
    /// Written by a newer Moodwire, in a layout this build does not know.
    case newerSchema(path: String, found: Int, supported: Int)
    /// An SQLite file that holds other tables (or an older, unversioned layout).
    case notAResultsDatabase(path: String, userVersion: Int)
    case sqlite(SQLiteError)

    public var description: String {
        switch self {
        case .noDatabase(let path): "no database at \(path)"
        case .newerSchema(let path, let found, let supported):
            "\(path) has results schema version \(found), newer than this build's \(supported); upgrade Moodwire to use it"
        case .notAResultsDatabase(let path, let userVersion):
            "\(path) is an SQLite database but not a Moodwire results database (user_version \(userVersion), tables of its own)"
        case .sqlite(let error): error.description
        }
    }
}
