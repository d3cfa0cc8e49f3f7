import Foundation
import GRDB
import Testing
@testable import KubeSiftCore

/// The state as a shard reads it: without a lock or a write, and still readable after a run was
/// killed in the middle of committing to it.
@Suite("State snapshots")
struct StateSnapshotTests {
    static func input(_ path: String) -> KnownInput {
        KnownInput(path: path, size: 10, modified: 1, sha256: String(repeating: "0", count: 64), position: nil)
    }

    @Test("A state a run was killed while writing is rolled back to the last complete run, then read")
    func interruptedWrite() throws {
        let directory = try TemporaryDirectory()
        let live = directory.path("live.sqlite")
        let crashed = directory.path("crashed.sqlite")
        var record = CarriedRequestStorageTests.record([])
        record.inputs = [Self.input("/logs/audit.log")]
        try StateStore(path: live).commit(record)

        // A copy of the files taken in the middle of a write transaction is what a killed run leaves.
        let database = try DatabaseQueue(path: live)
        try database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA cache_size = 1") }
        try database.inTransaction { db in
            for number in 0..<2_000 {
                try db.execute(sql: "INSERT INTO inputs (path, size, modified, run) VALUES (?, 1, 1, 1)",
                               arguments: ["/logs/\(number)-\(String(repeating: "x", count: 200))"])
            }
            try FileManager.default.copyItem(atPath: live, toPath: crashed)
            try FileManager.default.copyItem(atPath: live + "-journal", toPath: crashed + "-journal")
            return .rollback
        }
        #expect(FileManager.default.fileExists(atPath: crashed + "-journal"))

        let snapshot = try #require(try StateStore.snapshot(at: crashed))
        #expect(try snapshot.knownInputs().keys.sorted() == ["/logs/audit.log"])
        #expect(!FileManager.default.fileExists(atPath: crashed + "-journal"), "rolled back")
    }

    @Test("A snapshot takes no lock and writes nothing; a state that does not exist is none")
    func readOnly() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.sqlite")
        #expect(try StateStore.snapshot(at: path) == nil)
        var record = CarriedRequestStorageTests.record([])
        record.inputs = [Self.input("/logs/audit.log")]
        do { try StateStore(path: path).commit(record) }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let writer = try StateStore(path: path)
        let snapshot = try #require(try StateStore.snapshot(at: path), "read while a run holds the lock")
        #expect(try snapshot.knownInputs().count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        withExtendedLifetime(writer) {}
    }
}
