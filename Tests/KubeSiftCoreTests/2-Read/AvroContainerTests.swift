import Foundation
import Testing
@testable import KubeSiftCore

/// Azure Event Hubs Capture files: Avro object containers of EventData records whose `Body` is what a
/// diagnostic setting sent to the hub. The fixture was written by fastavro, an Avro implementation
/// independent of this one (`scripts/generate-eventhubs-capture.py`), from the AKS sample's records:
/// 25 messages of up to 4 records and one record with a null body, deflate codec, about one message per block.
@Suite("Event Hubs Capture (Avro)")
struct AvroContainerTests {
    static let fixture = Peers.repositoryRoot.appendingPathComponent("Tests/KubeSiftCoreTests/Fixtures/eventhubs-capture.avro").path
    static let storageArchive = Peers.samples + "/shop-aks/insights-logs-kube-audit.tar.gz"
    /// The first 16 bytes of every sync marker in the fixture (fastavro was given this marker).
    static let sync = [UInt8](0..<16)

    static func fixtureBytes() throws -> [UInt8] { try Array(Data(contentsOf: URL(fileURLWithPath: fixture))) }

    /// Offsets of every sync marker in `bytes`: the first ends the header, each later one a block.
    static func syncOffsets(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var start = bytes.startIndex
        while let range = bytes[start...].firstRange(of: sync) {
            offsets.append(range.lowerBound)
            start = range.upperBound
        }
        return offsets
    }

    @Test("A capture file gives the events, requests and findings of the storage-account archive of the same records")
    func captureMatchesStorageArchive() throws {
        let rules = try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        let capture = Analysis.run([Self.fixture]) { $0.rules = rules }
        let archive = Analysis.run([Self.storageArchive]) { $0.rules = rules }

        #expect(archive.totals.eventsRead == 98)
        #expect(capture.totals.eventsRead == archive.totals.eventsRead)
        #expect(capture.totals.distinctRequests == archive.totals.distinctRequests)
        #expect(capture.totals.recordsSkipped == 0)
        #expect(capture.problems.isEmpty, "\(capture.problems)")
        #expect(capture.inputs[0].formats == [.aks: 98])
        #expect(capture.inputs[0].members.map(\.compressions) == [["avro+deflate"]])
        #expect(capture.activity == archive.activity)
        let signature = { (findings: [Finding]) in findings.map { "\($0.rule.id) \($0.auditIDs)" } }
        #expect(!archive.findings.isEmpty)
        #expect(signature(capture.findings) == signature(archive.findings))
    }

    @Test("Line n of the unwrapped text is record n: a null body leaves an empty line")
    func linesAreRecords() throws {
        let (result, sink) = ArchiveReader.collect(Self.fixture)
        #expect(result.problems.isEmpty)
        let lines = sink.texts[0].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 26)
        #expect(lines[3].isEmpty)
        for (number, line) in lines.enumerated() where number != 3 {
            let body = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect((body?["records"] as? [Any])?.isEmpty == false, "record \(number + 1)")
        }
    }

    @Test("A file cut inside its last block keeps every record before the cut")
    func truncatedFile() throws {
        let directory = try TemporaryDirectory()
        let bytes = try Self.fixtureBytes()
        let path = try directory.write("cut.avro", bytes: Array(bytes.dropLast(20)))
        let result = Analysis.run([path])
        // The last message holds the sample's last 2 records.
        #expect(result.totals.eventsRead == 96)
        #expect(result.problems.map(\.problem.kind) == [.truncated])
        #expect(result.isPartial)
    }

    @Test("A damaged sync marker costs the blocks up to the next one, and reading resumes after it")
    func damagedBlockIsSkipped() throws {
        let directory = try TemporaryDirectory()
        var bytes = try Self.fixtureBytes()
        let markers = Self.syncOffsets(bytes)
        // The header's and 25 blocks': the null-bodied record shares a block with the next message.
        #expect(markers.count == 26)
        // Block 1 ends at markers[1]: damage it, so blocks 1 and 2 (the first two messages, 8 records) are lost.
        bytes[markers[1] + 5] ^= 0xFF
        let path = try directory.write("damaged.avro", bytes: bytes)
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 90)
        #expect(result.problems.map(\.problem.kind) == [.corrupt])
        #expect(result.problems.first?.problem.message.contains("sync marker") == true)
    }

    @Test("An unsupported codec and a schema without a body are reported, not guessed at")
    func unreadableContainers() throws {
        let directory = try TemporaryDirectory()
        var bytes = try Self.fixtureBytes()
        let deflate: [UInt8] = [0x0E] + Array("deflate".utf8)
        let range = try #require(bytes.firstRange(of: deflate))
        bytes.replaceSubrange(range, with: [0x0C] + Array("snappy".utf8))
        let snappy = Analysis.run([try directory.write("snappy.avro", bytes: bytes)])
        #expect(snappy.totals.eventsRead == 0)
        #expect(snappy.problems.first?.problem.message.contains("codec \"snappy\" is not supported") == true)

        let schema = Array(#"{"type":"record","name":"Reading","fields":[{"name":"celsius","type":"double"}]}"#.utf8)
        var other: [UInt8] = AvroRecordSink.magic + [0x02] + [UInt8(("avro.schema".utf8.count) * 2)] + Array("avro.schema".utf8)
        other += Self.zigzag(schema.count) + schema + [0x00] + Self.sync
        other += [0x02, 0x10] + [UInt8](repeating: 0, count: 8) + Self.sync
        let readings = Analysis.run([try directory.write("readings.avro", bytes: other)])
        #expect(readings.totals.eventsRead == 0)
        #expect(readings.problems.first?.problem.message.contains("no Body field") == true)
    }

    @Test("Random damage anywhere in the file never crashes the reader")
    func randomDamage() throws {
        let original = try Self.fixtureBytes()
        var generator = SeededGenerator(seed: 0xA7B0)
        for round in 0..<100 {
            var bytes = original
            for _ in 0..<(1 + round % 4) {
                let offset = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[offset] = UInt8.random(in: 0...255, using: &generator)
            }
            if round % 5 == 0 { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator)) }
            let sink = CollectingSink()
            let reader = AvroRecordSink(next: sink)
            reader.beginMember(index: 0, name: nil, compressions: [])
            bytes.withUnsafeBytes { all in
                // In pieces, as the reader streams them.
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + 777)
                    reader.consume(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                    start = end
                }
            }
            _ = reader.endMember(damaged: false)
            let lines = sink.members[0].bytes.count { $0 == 0x0A }
            #expect(lines <= 26 + bytes.count, "round \(round)")
        }
    }

    static func zigzag(_ value: Int) -> [UInt8] {
        var encoded = UInt64(bitPattern: Int64(value << 1) ^ Int64(value >> 63))
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(encoded & 0x7F)
            encoded >>= 7
            if encoded != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while encoded != 0
        return bytes
    }
}
