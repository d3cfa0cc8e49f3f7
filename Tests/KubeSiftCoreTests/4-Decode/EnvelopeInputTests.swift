import Foundation
import Testing
@testable import KubeSiftCore

/// Envelopes through the whole pipeline: lines a runtime split, Firehose objects without newlines,
/// and damaged exports — the good events are analyzed, the rest counted by format and reason.
@Suite struct EnvelopeInputTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    /// Events over 16 KiB (a large request body), which container runtimes and Docker split.
    private func largeEvents(_ count: Int) -> [String] {
        (1...count).map { number in
            var event = EventLine(number: number)
            event.level = "Request"
            event.verb = "update"
            event.name = "big-\(number)"
            event.resource = "configmaps"
            let data = String(repeating: "x", count: 40_000)
            event.requestObject = #"{"kind":"ConfigMap","apiVersion":"v1","data":{"blob":"\#(data)"}}"#
            return event.json
        }
    }

    private func pieces(_ line: String, size: Int) -> [String] {
        var pieces: [String] = []
        var rest = Substring(line)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return pieces
    }

    // MARK: - Split lines

    @Test func containerRuntimePiecesAreJoinedAcrossChunks() throws {
        var lines: [String] = []
        var firstLines: [Int] = []
        for event in largeEvents(6) {
            let parts = pieces(event, size: 16_384)
            firstLines.append(lines.count + 1)
            for (index, part) in parts.enumerated() {
                lines.append("2026-11-21T03:00:00.123456789Z stdout \(index == parts.count - 1 ? "F" : "P") \(part)")
            }
        }
        // A last event whose final piece never came.
        lines.append("2026-11-21T03:00:09.000000000Z stdout P " + String(largeEvents(7).last!.prefix(16_384)))
        let path = try directory.write("cri/kube-apiserver.log", lines: lines)
        // Chunks far smaller than one event: every chunk boundary falls inside a split line.
        let result = Analysis.run([path]) { $0.chunkBytes = 4_096 }
        #expect(result.totals.eventsRead == 6)
        #expect(result.input(path)?.formats == [.cri: 6])
        #expect(result.skippedCount(.cutOff) == 1)
        #expect(result.skippedLines(.cutOff) == [lines.count], "the piece that starts the unfinished line")
        #expect(result.input(path)?.members.first?.lines == lines.count)
    }

    @Test func dockerPiecesAreJoined() throws {
        var lines: [String] = []
        for event in largeEvents(4) {
            let parts = pieces(event + "\n", size: 16_384)
            for part in parts {
                let record: [String: Any] = ["log": part, "stream": "stdout", "time": "2026-11-21T03:00:00.123456789Z"]
                lines.append(String(decoding: try ExportShape.json(record, pretty: false).dropLast(), as: UTF8.self))
            }
        }
        let path = try directory.write("docker/container-json.log", lines: lines)
        let result = Analysis.run([path]) { $0.chunkBytes = 4_096 }
        #expect(result.totals.eventsRead == 4)
        #expect(result.input(path)?.formats == [.docker: 4])
        #expect(result.totals.recordsSkipped == 0)
    }

    @Test func firehoseObjectsWithoutNewlinesAreCutBetweenRecords() throws {
        let lines = EventLine.numbered(600).map(\.json)
        let path = try directory.write("firehose/object", bytes: ExportShape.eksFirehose.file(lines))
        #expect(try Fixture.size(path) < 200_000, "gzip'd")
        let result = Analysis.run([path]) { $0.chunkBytes = 16_384 }
        #expect(result.totals.eventsRead == 600)
        #expect(result.totals.distinctRequests == 600)
        #expect(result.input(path)?.formats == [.eksFirehose: 600])
        #expect(result.input(path)?.passedOver == [.controlMessage: 1])
        #expect(result.totals.recordsSkipped == 0)
        #expect(result.input(path)?.members.first?.lines == 1, "Firehose writes no newline")
    }

    // MARK: - Damage

    @Test func aBrokenEventInsideAnEnvelopeCostsOnlyThatEvent() throws {
        var lines = EventLine.numbered(5).map(\.json)
        lines[2] = String(lines[2].prefix(120))
        let path = try directory.write("aks/PT1H.json", bytes: ExportShape.aksEventHub.file(lines))
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 4)
        #expect(result.skipped[.cutOff]?.count == 1)
        #expect(result.skipped[.cutOff]?.byFormat == [.aks: 1])
        #expect(result.input(path)?.skippedByFormat == [.aks: [.cutOff: 1]])
        #expect(result.isPartial)
    }

    @Test func aRecordListCutOffKeepsTheRecordsBeforeTheCut() throws {
        let lines = EventLine.numbered(30).map(\.json)
        // An Event Hub message cut in its 21st record.
        let records = try String(decoding: ExportShape.json(["records": lines.map(ExportShape.aksRecord)], pretty: false), as: UTF8.self)
        let cutAt = records.range(of: EventLine.auditID(21))!.lowerBound
        let aks = try directory.write("aks/cut.json", String(records[..<cutAt]))
        // `aws logs` output cut in its 21st event.
        let document = String(decoding: try ExportShape.eksCloudWatch.file(lines), as: UTF8.self)
        let eks = try directory.write("eks/cut.json", String(document[..<document.range(of: EventLine.auditID(21))!.lowerBound]))
        for path in [aks, eks] {
            let result = Analysis.run([path])
            #expect(result.totals.eventsRead == 20, "\(path)")
            #expect(result.skippedCount(.cutOff) == 1, "\(path)")
            #expect(result.skipped[.cutOff]?.byFormat.keys.first == (path == aks ? .aks : .eksCloudWatch))
        }
    }

    @Test func aGKEEntryWithoutProtoPayloadIsSkippedAndTheOthersRead() throws {
        var entries = EventLine.numbered(4).map { ExportShape.logEntry(try! ExportShape.object($0.json)) }
        entries[1]["protoPayload"] = nil
        entries[1]["jsonPayload"] = ["message": "Pod sandbox changed, it will be killed and re-created."]
        let path = try directory.write("gke/read.json", bytes: ExportShape.json(entries, pretty: true))
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 3)
        #expect(result.skipped[.notAuditEvent]?.byFormat == [.gke: 1])
        let line = String(decoding: try directory.read("gke/read.json"), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("jsonPayload") }!
        // Located at the line where the entry starts (the array's second element).
        #expect(result.skippedLines(.notAuditEvent).count == 1)
        #expect(result.skippedLines(.notAuditEvent)[0] < line + 1)
    }

    @Test func aMixedFileIsReadLineByLine() throws {
        let lines = EventLine.numbered(6).map(\.json)
        let aks = try String(decoding: ExportShape.json(ExportShape.aksRecord(lines[1]), pretty: false).dropLast(), as: UTF8.self)
        let gke = try String(decoding: ExportShape.json(ExportShape.logEntry(ExportShape.object(lines[4])), pretty: false).dropLast(),
                             as: UTF8.self)
        let mixed = [
            lines[0],
            aks,
            #"{"log":\#(ExportShape.quote(lines[2]))}"#,
            "this line is not JSON",
            "2026-11-21T03:00:00.1Z stdout F " + lines[3],
            gke,
            #"{"message":\#(ExportShape.quote(lines[5])),"source_type":"file"}"#,
        ]
        let path = try directory.write("mixed.log", lines: mixed)
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 6)
        #expect(result.input(path)?.formats == [.native: 1, .aks: 1, .fluent: 1, .cri: 1, .gke: 1, .vector: 1])
        #expect(result.skippedLines(.notJSON) == [4])
        #expect(result.totals.recordsSkipped == 1)
    }
}
