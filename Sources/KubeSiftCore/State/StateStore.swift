import Foundation
import GRDB

/// One input file as the state remembers it: enough to pass it over when it has not changed, and to
/// resume its text where the last run left it when it has grown or been rotated.
package struct KnownInput: Sendable, Equatable {
    package var path: String
    package var size: Int64
    /// Modification time, in microseconds since 1970.
    package var modified: Int64
    package var sha256: String?
    package var position: ReadPosition?
}

/// A finding as the state remembers it, for later runs and for dispositions.
package struct ReportedFinding: Sendable, Equatable {
    package var id: String
    package var episode: String
    package var ruleID: String
    package var title: String
}

/// Everything one analysis commits to the state, in one transaction.
struct RunRecord: Sendable {
    var ledger: LedgerEntry
    var inputs: [KnownInput]
    var openRequests: CarriedRequestBlocks
    var findings: [ReportedFinding]
}

/// The state of nightly runs in one SQLite file (through GRDB): every input seen and how far it was
/// read, the requests of open correlation windows, the findings reported, reviewers' dispositions,
/// and the ledger of runs.
///
/// Opening takes an exclusive lock beside the file for the life of the value. An analysis reads the
/// state once at the start and writes everything it learned in one transaction at the end, so a run
/// killed at any point leaves the state as it was before the run.
package final class StateStore {
    package let path: String
    private let database: DatabaseQueue
    /// Nil for a snapshot, which takes no lock.
    private let lock: StateLock?

    /// Opens the state to read and write it, creating it when it does not exist, and locks it.
    package init(path: String) throws(StateError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        lock = try StateLock(statePath: path)
        database = try Self.open(path, readOnly: false)
    }

    private init(snapshotOf path: String) throws(StateError) {
        self.path = path
        lock = nil
        database = try Self.open(path, readOnly: true)
    }

    /// Opens the state only to read it, as a shard does: many shards at once, perhaps from a
    /// read-only volume, while the merge alone writes it. Takes no lock.
    ///
    /// - Returns: nil when the file does not exist (no run has kept a state yet).
    package static func snapshot(at path: String) throws(StateError) -> StateStore? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        if FileManager.default.fileExists(atPath: path + "-journal") { try rollBackInterruptedWrite(at: path) }
        return try StateStore(snapshotOf: path)
    }

    /// A run killed while it committed leaves its rollback journal, which a read-only reader cannot
    /// roll back: SQLite refuses to read the state at all, every night, until something writes it.
    /// Under the state's lock (no run is writing it), opening it for writing once rolls the
    /// unfinished transaction back: the state is again as the last complete run left it.
    private static func rollBackInterruptedWrite(at path: String) throws(StateError) {
        let lock = try StateLock(statePath: path)
        do {
            let database = try DatabaseQueue(path: path)
            _ = try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
        } catch {
            throw .unusable(path: path, message: "a run was killed while writing it, and its unfinished write cannot be rolled back here: \(describe(error))")
        }
        withExtendedLifetime(lock) {}
    }

    private static func open(_ path: String, readOnly: Bool) throws(StateError) -> DatabaseQueue {
        do {
            var configuration = Configuration()
            configuration.label = "kubesift-state"
            configuration.readonly = readOnly
            let database = try DatabaseQueue(path: path, configuration: configuration)
            if readOnly {
                // What a shard reads (the inputs) is in every version's schema; a state the merge has
                // yet to migrate is read as it is.
                guard try database.read({ try migrator.appliedIdentifiers($0) }).contains("v1") else {
                    throw StateError.unusable(path: path, message: "not a KubeSift state file, or one this version cannot read")
                }
            } else {
                try migrator.migrate(database)
            }
            return database
        } catch let error as StateError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw .unusable(path: path, message: "not a KubeSift state file (not an SQLite database)")
        } catch {
            throw .unusable(path: path, message: describe(error))
        }
    }

    /// The schema, one migration per change; a file written by a newer KubeSift is refused.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE inputs (
                    path TEXT PRIMARY KEY NOT NULL, size INTEGER NOT NULL, modified INTEGER NOT NULL, sha256 TEXT,
                    fingerprint TEXT, fingerprint_length INTEGER, bytes INTEGER, lines INTEGER, events INTEGER,
                    run INTEGER NOT NULL);
                CREATE INDEX inputs_fingerprint ON inputs(fingerprint);
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
                    since INTEGER, until INTEGER, inputs_read INTEGER NOT NULL, inputs_unchanged INTEGER NOT NULL,
                    events_read INTEGER NOT NULL, requests INTEGER NOT NULL, findings INTEGER NOT NULL,
                    new_findings INTEGER NOT NULL, status TEXT NOT NULL, exit_code INTEGER NOT NULL, report TEXT);
                CREATE TABLE open_requests (position INTEGER PRIMARY KEY, request TEXT NOT NULL);
                CREATE TABLE findings (
                    id TEXT PRIMARY KEY NOT NULL, episode TEXT NOT NULL, rule_id TEXT NOT NULL, title TEXT NOT NULL,
                    run INTEGER NOT NULL);
                CREATE INDEX findings_episode ON findings(episode);
                CREATE TABLE dispositions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, finding_id TEXT NOT NULL, kind TEXT NOT NULL,
                    reason TEXT NOT NULL, reviewer TEXT NOT NULL, at INTEGER NOT NULL);
                """)
        }
        // The requests of open windows in binary blocks (``MatchCodec/encode(carried:)``): their JSON
        // rows took seconds to write and read back on a busy cluster. Rows a v1 state left in
        // `open_requests` are still read, and cleared by the next commit.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "CREATE TABLE carried (position INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        }
        return migrator
    }

    // MARK: - Reading

    /// Every input the state knows, by path.
    package func knownInputs() throws(StateError) -> [String: KnownInput] {
        try read { db in
            var inputs: [String: KnownInput] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM inputs") {
                var position: ReadPosition?
                if let fingerprint: String = row["fingerprint"] {
                    position = ReadPosition(fingerprint: fingerprint, fingerprintLength: row["fingerprint_length"],
                                            bytes: row["bytes"], lines: row["lines"], events: row["events"])
                }
                let input = KnownInput(path: row["path"], size: row["size"], modified: row["modified"], sha256: row["sha256"],
                                       position: position)
                inputs[input.path] = input
            }
            return inputs
        }
    }

    /// What earlier runs leave to the next one.
    package func history() throws(StateError) -> RunHistory {
        try read { db in
            var history = RunHistory()
            let decoder = JSONDecoder()
            history.carried.append(try String.fetchAll(db, sql: "SELECT request FROM open_requests ORDER BY position")
                .map { try decoder.decode(CarriedRequest.self, from: Data($0.utf8)) })
            for (position, data) in try Row.fetchAll(db, sql: "SELECT position, data FROM carried ORDER BY position")
                .map({ ($0["position"] as Int, $0["data"] as Data) }) {
                do {
                    try history.carried.append(validating: Array(data))
                } catch {
                    throw StateError.unusable(path: path, message: "block \(position) of the open windows' requests: \(error)")
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, episode FROM findings ORDER BY run, id") {
                let id: String = row["id"], episode: String = row["episode"]
                history.reported[id] = episode
                if history.episodes[episode] == nil { history.episodes[episode] = id }
            }
            history.dispositions = try Self.dispositions(db)
            return history
        }
    }

    /// The latest disposition of each finding.
    private static func dispositions(_ db: Database) throws -> [String: Disposition] {
        var latest: [String: Disposition] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM dispositions ORDER BY id") {
            guard let kind = Disposition.Kind(rawValue: row["kind"]) else { continue }
            latest[row["finding_id"]] = Disposition(kind: kind, by: row["reviewer"], at: Timestamp(microseconds: row["at"]),
                                                    reason: row["reason"])
        }
        return latest
    }

    /// Every run recorded, oldest first.
    package func ledger() throws(StateError) -> [LedgerEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY started_at, id").map { row in
                LedgerEntry(
                    run: row["id"], startedAt: Timestamp(microseconds: row["started_at"]), durationMilliseconds: row["duration_ms"],
                    since: (row["since"] as Int64?).map(Timestamp.init(microseconds:)),
                    until: (row["until"] as Int64?).map(Timestamp.init(microseconds:)),
                    inputsRead: row["inputs_read"], inputsUnchanged: row["inputs_unchanged"], eventsRead: row["events_read"],
                    requests: row["requests"], findings: row["findings"], newFindings: row["new_findings"],
                    status: LedgerEntry.Status(rawValue: row["status"]) ?? .failed, exitCode: row["exit_code"])
            }
        }
    }

    // MARK: - Writing

    /// Writes everything one run learned, in one transaction. Returns the run's number.
    @discardableResult
    func commit(_ record: RunRecord) throws(StateError) -> Int {
        try write { db in
            let run = try Self.insert(record.ledger, db)
            for input in record.inputs {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO inputs (path, size, modified, sha256, fingerprint, fingerprint_length, bytes, lines,
                        events, run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [input.path, input.size, input.modified, input.sha256, input.position?.fingerprint,
                                     input.position?.fingerprintLength, input.position?.bytes, input.position?.lines,
                                     input.position?.events, run])
            }
            try db.execute(sql: "DELETE FROM open_requests; DELETE FROM carried")
            for (position, block) in record.openRequests.blocks.enumerated() {
                try db.execute(sql: "INSERT INTO carried (position, data) VALUES (?, ?)", arguments: [position, Data(block)])
            }
            for finding in record.findings {
                try db.execute(sql: "INSERT OR IGNORE INTO findings (id, episode, rule_id, title, run) VALUES (?, ?, ?, ?, ?)",
                               arguments: [finding.id, finding.episode, finding.ruleID, finding.title, run])
            }
            return run
        }
    }

    /// Records a run that failed before it could commit what it read (its report could not be
    /// written): the ledger shows the attempt, and nothing it read counts as reviewed.
    package func recordFailure(_ entry: LedgerEntry) throws(StateError) {
        try write { db in _ = try Self.insert(entry, db) }
    }

    private static func insert(_ entry: LedgerEntry, _ db: Database) throws -> Int {
        try db.execute(sql: """
            INSERT INTO runs (started_at, duration_ms, since, until, inputs_read, inputs_unchanged, events_read, requests,
                findings, new_findings, status, exit_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.startedAt.microseconds, entry.durationMilliseconds, entry.since?.microseconds,
                             entry.until?.microseconds, entry.inputsRead, entry.inputsUnchanged, entry.eventsRead,
                             entry.requests, entry.findings, entry.newFindings, entry.status.rawValue, entry.exitCode])
        return Int(db.lastInsertedRowID)
    }

    /// Records a reviewer's disposition of a finding an earlier run reported.
    /// - Returns: the finding as recorded.
    @discardableResult
    package func dispose(findingID: String, _ disposition: Disposition) throws(StateError) -> ReportedFinding {
        let found: ReportedFinding? = try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM findings WHERE id = ?", arguments: [findingID]) else {
                return nil
            }
            try db.execute(sql: "INSERT INTO dispositions (finding_id, kind, reason, reviewer, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [findingID, disposition.kind.rawValue, disposition.reason, disposition.by,
                                       disposition.at.microseconds])
            return ReportedFinding(id: row["id"], episode: row["episode"], ruleID: row["rule_id"], title: row["title"])
        }
        guard let found else { throw .unknownFinding(findingID) }
        return found
    }

    /// Every disposition recorded, oldest first, with the finding it concerns.
    package func dispositionHistory() throws(StateError) -> [(finding: ReportedFinding, disposition: Disposition)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.*, f.episode, f.rule_id, f.title FROM dispositions d JOIN findings f ON f.id = d.finding_id ORDER BY d.id
                """).compactMap { row in
                guard let kind = Disposition.Kind(rawValue: row["kind"]) else { return nil }
                return (ReportedFinding(id: row["finding_id"], episode: row["episode"], ruleID: row["rule_id"], title: row["title"]),
                        Disposition(kind: kind, by: row["reviewer"], at: Timestamp(microseconds: row["at"]), reason: row["reason"]))
            }
        }
    }

    // MARK: -

    private func read<T>(_ body: (Database) throws -> T) throws(StateError) -> T {
        do {
            return try database.read(body)
        } catch let error as StateError {
            throw error
        } catch {
            throw .unusable(path: path, message: Self.describe(error))
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StateError) -> T {
        do { return try database.write(body) } catch { throw .unusable(path: path, message: Self.describe(error)) }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}
