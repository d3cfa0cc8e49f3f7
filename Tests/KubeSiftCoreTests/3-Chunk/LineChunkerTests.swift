import Foundation
import Testing
@testable import KubeSiftCore

/// Feeds `bytes` to a chunker in blocks whose sizes `nextBlockSize` picks, and returns every output.
private func chunk(_ bytes: [UInt8], targetBytes: Int = 1_000, maximumRecordBytes: Int = 1 << 20,
                   recordCopy: DocumentSplitter.RecordCopy = .best,
                   nextBlockSize: () -> Int) -> (outputs: [LineChunker.Output], format: LineChunker.Format)
{
    var chunker = LineChunker(targetBytes: targetBytes, maximumRecordBytes: maximumRecordBytes, makeBuffer: { [] })
    chunker.recordCopy = recordCopy
    var outputs: [LineChunker.Output] = []
    var offset = 0
    while offset < bytes.count {
        let size = min(max(1, nextBlockSize()), bytes.count - offset)
        bytes[offset..<(offset + size)].withUnsafeBytes { chunker.consume($0) { outputs.append($0) } }
        offset += size
    }
    let format = chunker.finish { outputs.append($0) }
    return (outputs, format)
}

private func chunk(_ bytes: [UInt8], blockSize: Int, targetBytes: Int = 1_000)
    -> (outputs: [LineChunker.Output], format: LineChunker.Format)
{
    chunk(bytes, targetBytes: targetBytes) { blockSize }
}

/// The start lines of every record the chunker split out of a document, across all its outputs.
private func recordStartLines(_ outputs: [LineChunker.Output]) -> [Int] {
    outputs.flatMap { output -> [Int] in
        if case let .records(startLines, _) = output.layout { return startLines }
        return []
    }
}

/// Pretty-prints one compact JSON value (as `kubectl` or a webhook receiver saving a batch would).
private func prettyPrinted(_ compact: String) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(compact.utf8))
    return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]),
                  as: UTF8.self)
}

@Suite struct LineChunkerTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    /// JSON lines of varied length: events with request bodies from none to a few kilobytes.
    private func variedLines(_ count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        return (1...count).map { number in
            var event = EventLine(number: number)
            let padding = Int.random(in: 0...3_000, using: &generator)
            if padding > 1_000 { event.requestObject = #"{"data":"\#(String(repeating: "x", count: padding))"}"# }
            return event.json
        }
    }

    // MARK: - JSON lines

    @Test(arguments: [1, 2, 3])
    func chunksEndAtNewlinesAndReassembleToTheInput(seed: UInt64) {
        let text = variedLines(300, seed: seed).map { $0 + "\n" }.joined()
        let bytes = Array(text.utf8)
        var generator = SeededGenerator(seed: seed * 7_919)
        let (outputs, format) = chunk(bytes, targetBytes: 4_096) { Int.random(in: 1...20_000, using: &generator) }
        #expect(format == .lines)
        #expect(outputs.count > 10, "the input spans many chunks")
        #expect(outputs.allSatisfy { $0.bytes.last == 0x0A }, "no chunk ends inside a line")
        #expect(outputs.allSatisfy { $0.layout == .lines && $0.skips.isEmpty && $0.skippedLines == 0 })
        #expect(outputs.flatMap(\.bytes) == bytes)
        #expect(outputs.reduce(0) { $0 + countLines($1.bytes) } == 300)
    }

    @Test func aLastLineWithoutNewlineIsTheLastChunksEnd() {
        let text = variedLines(40, seed: 9).joined(separator: "\n")
        let (outputs, _) = chunk(Array(text.utf8), blockSize: 777)
        #expect(outputs.flatMap(\.bytes) == Array(text.utf8))
        #expect(outputs.dropLast().allSatisfy { $0.bytes.last == 0x0A })
    }

    @Test func stripsAByteOrderMark() {
        let text = variedLines(20, seed: 4).map { $0 + "\n" }.joined()
        let (outputs, format) = chunk([0xEF, 0xBB, 0xBF] + Array(text.utf8), blockSize: 100)
        #expect(format == .lines)
        #expect(outputs.flatMap(\.bytes) == Array(text.utf8))
    }

    @Test func dropsALineOverTheLimitWithoutHoldingIt() {
        // More than the 64 KiB that are sniffed whole, then the long line, then more lines; 1 KiB blocks.
        let head = EventLine.numbered(120, from: 1_000).map { $0.json + "\n" }.joined()
        let tail = variedLines(10, seed: 5)
        let text = head + String(repeating: "~", count: 50_000) + "\n" + tail.map { $0 + "\n" }.joined()
        #expect(head.utf8.count > LineChunker.sniffBytes)
        let (outputs, format) = chunk(Array(text.utf8), targetBytes: 1_000, maximumRecordBytes: 10_000) { 1_024 }
        #expect(format == .lines)
        #expect(outputs.flatMap(\.skips) == [ChunkSkip(reason: .overLong, line: .local(1))])
        #expect(outputs.reduce(0) { $0 + $1.skippedLines } == 1)
        #expect(outputs.allSatisfy { !$0.bytes.contains(UInt8(ascii: "~")) }, "no part of the long line is handed on")
        #expect(outputs.flatMap(\.bytes) == Array((head + tail.map { $0 + "\n" }.joined()).utf8))
    }

    // MARK: - Through the pipeline

    @Test func crlfLinesDecodeAndKeepTheirLineNumbers() throws {
        var content = EventLine.numbered(6).map(\.json)
        content.insert("this is not json", at: 4)
        let path = try directory.write("audit.log", content.map { $0 + "\r\n" }.joined())
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 6)
        #expect(result.skippedLines(.notJSON) == [5])
    }

    @Test func aByteOrderMarkDoesNotCostTheFirstEvent() throws {
        let text = EventLine.numbered(3).map { $0.json + "\n" }.joined()
        let path = try directory.write("audit.log", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 3)
        #expect(result.totals.recordsSkipped == 0)
    }

    @Test func aLastLineWithoutNewlineIsDecoded() throws {
        let path = try directory.write("audit.log", EventLine.numbered(5).map(\.json).joined(separator: "\n"))
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 5)
        #expect(result.inputs.first?.members.first?.lines == 5)
    }

    @Test func lineNumbersCountAcrossChunks() throws {
        var content = variedLines(400, seed: 11)
        let junkAt = [1, 150, 151, 390]
        for position in junkAt { content.insert("#junk", at: position - 1) }
        let path = try directory.write("audit.log", lines: content)
        let result = Analysis.run([path], workers: 4) { $0.chunkBytes = 16 << 10 }
        #expect(result.totals.eventsRead == 400)
        #expect(result.skippedLines(.notJSON) == junkAt)
        #expect(result.inputs.first?.members.first?.lines == 404)
    }

    // MARK: - Documents

    @Test func splitsATopLevelArrayIntoItsItemsAtTheLinesTheyStart() throws {
        let items = try EventLine.numbered(12).map { try prettyPrinted($0.json) }
        var document = "[\n"
        var line = 2
        var starts: [Int] = []
        for (index, item) in items.enumerated() {
            starts.append(line)
            document += item + (index == items.count - 1 ? "\n" : ",\n")
            line += countLines(Array((item + "\n").utf8))
        }
        document += "]\n"
        var generator = SeededGenerator(seed: 12)
        let (outputs, format) = chunk(Array(document.utf8), targetBytes: 2_000) {
            Int.random(in: 1...3_000, using: &generator)
        }
        #expect(format == .document)
        #expect(recordStartLines(outputs) == starts)
        #expect(outputs.allSatisfy { $0.skips.isEmpty })
        let records = outputs.flatMap(\.bytes).split(separator: 0x0A)
        #expect(records.count == 12, "one line per item")

        let path = try directory.write("events.json", document)
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 12)
        #expect(result.totals.recordsSkipped == 0)
    }

    @Test func splitsPrettyPrintedEventListsIntoTheirItemsAtTheLinesTheyStart() throws {
        // Three webhook batches saved one after another, each pretty-printed; every item is a record.
        var document = ""
        var number = 1
        for size in [4, 1, 7] {
            let items = EventLine.numbered(size, from: number).map(\.json).joined(separator: ",")
            number += size
            let batch = #"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[\#(items)]}"#
            document += try prettyPrinted(batch) + "\n"
        }
        // Pretty-printing with two spaces a level puts each item's opening brace alone on a line, four
        // spaces in: those lines are where the events start.
        let starts = document.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { $0.element == "    {" }.map { $0.offset + 1 }
        #expect(starts.count == 12)
        let (outputs, format) = chunk(Array(document.utf8), blockSize: 333, targetBytes: 1_500)
        #expect(format == .document)
        #expect(recordStartLines(outputs) == starts)

        let path = try directory.write("batches.json", document)
        let result = Analysis.run([path])
        #expect(result.inputs.first?.members.first?.lines == document.filter { $0 == "\n" }.count,
                "a document's lines are its physical lines, as for JSON lines")
        #expect(result.totals.eventsRead == 12)
        #expect(result.totals.distinctRequests == 12)
        #expect(result.totals.recordsSkipped == 0)
    }

    @Test func aSingleLineEventListIsOneRecordOfManyEvents() throws {
        let items = EventLine.numbered(5).map(\.json).joined(separator: ",")
        let path = try directory.write("batch.log", lines: [
            #"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[\#(items)]}"#,
            EventLine(number: 6).json,
        ])
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 6)
        #expect(result.inputs.first?.members.first?.lines == 2)
    }

    @Test func junkBetweenDocumentRecordsIsNotJSONAtItsLine() throws {
        let first = try prettyPrinted(EventLine(number: 1).json)
        let second = try prettyPrinted(EventLine(number: 2).json)
        let document = first + "\n-- page 2 --\n" + second + "\n"
        let junkLine = countLines(Array((first + "\n").utf8)) + 1
        let path = try directory.write("events.json", document)
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 2)
        #expect(result.skippedLines(.notJSON) == [junkLine])
    }

    @Test func aDocumentCutOffInsideARecordCountsItAsCutOff() throws {
        let first = try prettyPrinted(EventLine(number: 1).json)
        let second = try prettyPrinted(EventLine(number: 2).json)
        let document = "[\n" + first + ",\n" + second.prefix(second.count / 2)
        let path = try directory.write("events.json", document)
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 1)
        #expect(result.skippedLines(.cutOff) == [2 + countLines(Array((first + "\n").utf8))])
    }

    @Test func anOverLongDocumentRecordIsSkippedAtItsLine() throws {
        var big = EventLine(number: 2)
        big.requestObject = #"{"data":"\#(String(repeating: "q", count: 30_000))"}"#
        let first = try prettyPrinted(EventLine(number: 1).json)
        let (second, third) = (try prettyPrinted(big.json), try prettyPrinted(EventLine(number: 3).json))
        let document = "[\n" + first + ",\n" + second + ",\n" + third + "\n]\n"
        let path = try directory.write("events.json", document)
        let result = Analysis.run([path]) { $0.maximumRecordBytes = 10_000 }
        #expect(result.totals.eventsRead == 2)
        #expect(result.skippedLines(.overLong) == [2 + countLines(Array((first + "\n").utf8))])
    }

    /// An `aws logs filter-log-events` document as the CLI indents it, and the one-line record the
    /// splitter must make of each event (the same members without the indentation). Messages are
    /// escape-heavy at every alignment: `\"` around every key, `\\\"` inside values, runs of backslashes,
    /// `\u` escapes; one event carries a nested object over several lines.
    private func awsLogsDocument(events: Int, seed: UInt64) -> (document: String, records: [String], startLines: [Int]) {
        var generator = SeededGenerator(seed: seed)
        var document = "{\n    \"events\": [\n"
        var records: [String] = []
        var startLines: [Int] = []
        var line = 3
        for number in 1...events {
            let padding = String(repeating: "p", count: Int.random(in: 0...70, using: &generator))
            let slashes = String(repeating: #"\\"#, count: Int.random(in: 0...40, using: &generator))
            let message = #"{\"kind\":\"Event\",\"auditID\":\"id-\#(number)\#(padding)\",\"annotations\":{\"reason\":\"allowed by \\\"view\\\" \#(slashes) \u00e9\"}}"#
            var members = [
                (#""logStreamName""#, #""kube-apiserver-audit-5f2b3c4d9e8a7b6c""#),
                (#""timestamp""#, "\(1_795_000_000_000 + number)"),
                (#""message""#, "\"" + message + "\""),
                (#""ingestionTime""#, "\(1_795_000_000_850 + number)"),
                (#""eventId""#, "\"\(37_000_000_000 + number)\""),
            ]
            var pretty = members.map { "            \($0.0): \($0.1)" }
            if number % 7 == 0 {
                members.append((#""extra""#, #"{"a":[1,{"b":"}"}],"c":"]"}"#))
                pretty.append("            \"extra\": {\n                \"a\": [\n                    1,\n                    {\n"
                              + "                        \"b\": \"}\"\n                    }\n                ],\n                \"c\": \"]\"\n            }")
            }
            startLines.append(line)
            let item = "        {\n" + pretty.joined(separator: ",\n") + "\n        }"
            document += item + (number == events ? "\n" : ",\n")
            line += countLines(Array((item + "\n").utf8))
            records.append("{" + members.map { "\($0.0):\($0.1)" }.joined(separator: ",") + "}")
        }
        document += "    ],\n    \"searchedLogStreams\": []\n}\n"
        return (document, records, startLines)
    }

    @Test(arguments: [1, 2, 3, 5, 16, 17, 31, 32, 33, 63, 64, 65, 127, 4_096, 1 << 20])
    func awsLogsEventsAreTheirMembersOnOneLineWhateverTheBlockSize(blockSize: Int) {
        let (document, records, startLines) = awsLogsDocument(events: 60, seed: 5)
        let (outputs, format) = chunk(Array(document.utf8), blockSize: blockSize, targetBytes: 3_000)
        #expect(format == .document)
        #expect(outputs.count > 5, "the events span many chunks")
        let lines = outputs.flatMap(\.bytes).split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines == records)
        #expect(recordStartLines(outputs) == startLines)
        #expect(outputs.allSatisfy { $0.skips.isEmpty })
        let spanned = outputs.reduce(0) { total, output in
            if case let .records(_, spannedLines) = output.layout { return total + spannedLines }
            return total
        }
        #expect(spanned == countLines(Array(document.utf8)))
    }

    @Test(arguments: [1, 64, 1 << 20])
    func aTopLevelKeyOverTheRecordLimitIsSkippedNotACrash(blockSize: Int) {
        // A document whose record is a top-level object: its keys are watched for `items`, and one
        // longer than the limit once made the key's range run backwards past the dropped record.
        let document = "{\n  \"" + String(repeating: "k", count: 300) + "\": 1\n}\n{\n  \"kind\": \"Event\"\n}\n"
        let (outputs, _) = chunk(Array(document.utf8), maximumRecordBytes: 100) { blockSize }
        let lines = outputs.flatMap(\.bytes).split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines == [#"{"kind":"Event"}"#])
        #expect(outputs.flatMap(\.skips) == [ChunkSkip(reason: .overLong, line: .absolute(1))])
        #expect(recordStartLines(outputs) == [4])
    }

    /// The window copy against the byte loop it stands in for, on pretty-printed documents with every
    /// case a window hands back or stops at (escapes across window edges, a backslash outside a
    /// string, a newline inside one, tabs and CRs, nesting, records over the limit) and on byte soup.
    @Test(arguments: DocumentSplitter.RecordCopy.available, [1, 2, 3, 4] as [UInt64])
    func recordsCopiedAWindowAtATimeAreTheByteLoopsRecords(copy: DocumentSplitter.RecordCopy, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        func run(_ bytes: [UInt8], windows: Bool, blockSize: Int, limit: Int) -> [String] {
            let (outputs, _) = chunk(bytes, targetBytes: 700, maximumRecordBytes: limit,
                                     recordCopy: windows ? copy : .bytes) { blockSize }
            return outputs.map { output in
                let layout: String = switch output.layout {
                case let .records(startLines, spannedLines): "records \(startLines) \(spannedLines)"
                default: "\(output.layout)"
                }
                return String(decoding: output.bytes, as: UTF8.self) + " | \(layout) | \(output.skips)"
            }
        }
        // An escape cut by a window's edge just before the record ends, at every alignment, then a
        // record whose first string is empty: an escape wrongly carried past the end would take its
        // closing quote.
        for padding in 0..<130 {
            let document = "[\n  {\n    \"k\": \"\(String(repeating: "p", count: padding))\\\"\"\n  },\n  {\"e\": \"\", \"z\": \"\(String(repeating: "q", count: 100))\"}\n]\n"
            for blockSize in [64, 1 << 20] {
                #expect(run(Array(document.utf8), windows: true, blockSize: blockSize, limit: 1 << 20)
                    == run(Array(document.utf8), windows: false, blockSize: blockSize, limit: 1 << 20), "padding \(padding)")
            }
        }
        // One record of hundreds of members, one per line: more than one call's output holds (16 KiB).
        let members = (0..<300).map { "      \"k\($0)\": \"\(String(repeating: "v", count: 60))\"" }.joined(separator: ",\n")
        let wide = Array("[\n  {\n\(members)\n  },\n  {\"e\": 1}\n]\n".utf8)
        #expect(run(wide, windows: true, blockSize: 1 << 20, limit: 1 << 20)
            == run(wide, windows: false, blockSize: 1 << 20, limit: 1 << 20))
        let pieces = [#""k": "v""#, #""m": "\"a\\\"b\\\\""#, "\"s\": \"\(String(repeating: "x", count: 70))\"",
                      #""e": "\\\\\\\\\\""#, "\"t\":\t\r 1", #""n": {"a": [1, {"b": "}"}], "c": "]"}"#, #""z": "a\nb""#,
                      "\"q\": \"a\nb\"", #"\"x\": 2"#, "\"u\": [ ]", "\"w\": \"\(String(repeating: #"\""#, count: 40))\""]
        for _ in 0..<40 {
            var document = "{\n    \"events\": [\n"
            for number in 0..<Int.random(in: 1...12, using: &generator) {
                let members = (0..<Int.random(in: 1...8, using: &generator)).map { _ in
                    "            " + pieces.randomElement(using: &generator)!
                }
                document += (number == 0 ? "" : ",\n") + "        {\n" + members.joined(separator: ",\n") + "\n        }"
            }
            document += "\n    ]\n}\n"
            let soup = (0..<600).map { _ in Array("{}[]\"\\ \n\t:,a".utf8).randomElement(using: &generator)! }
            for bytes in [Array(document.utf8), Array("[{".utf8) + soup, Array("{\"items\": [{".utf8) + soup] {
                for blockSize in [1, 63, 64, 65, 200, 1 << 20] {
                    for limit in [90, 1 << 20] {
                        #expect(run(bytes, windows: true, blockSize: blockSize, limit: limit)
                            == run(bytes, windows: false, blockSize: blockSize, limit: limit),
                            "block \(blockSize), limit \(limit)")
                    }
                }
            }
        }
    }

    @Test(arguments: [1, 7, 64, 65, 1 << 20])
    func aNewlineInsideAStringBecomesASpaceAndIsCounted(blockSize: Int) {
        // Invalid JSON either way; what the splitter owes is that lines still add up.
        let document = "{\n  \"events\": [\n    {\n      \"message\": \"a\nb\\\nc\",\n      \"eventId\": \"1\"\n    },\n"
            + "    {\n      \"message\": \"\(String(repeating: #"\""#, count: 40))\"\n    }\n  ]\n}\n"
        let (outputs, _) = chunk(Array(document.utf8), blockSize: blockSize)
        let lines = outputs.flatMap(\.bytes).split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines == [#"{"message":"a b\ c","eventId":"1"}"#, #"{"message":"\#(String(repeating: #"\""#, count: 40))"}"#])
        #expect(recordStartLines(outputs) == [3, 9])
    }

    @Test func anOverLongAwsLogsEventIsSkippedAtItsLineWhereverTheLimitAndTheBlocksFall() {
        let (document, records, startLines) = awsLogsDocument(events: 20, seed: 11)
        // About half the events are over this limit (it counts a record's indentation too).
        let limit = records.map(\.utf8.count).sorted()[10] + 200
        var results: [[String]] = []
        for blockSize in [1, 3, 64, 65, 1 << 20] {
            let (outputs, _) = chunk(Array(document.utf8), targetBytes: 2_000, maximumRecordBytes: limit) { blockSize }
            let lines = outputs.flatMap(\.bytes).split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
            let skipped = outputs.flatMap(\.skips).compactMap { skip -> Int? in
                guard skip.reason == .overLong, case let .absolute(line) = skip.line else { return nil }
                return line
            }
            #expect(!lines.isEmpty && !skipped.isEmpty && lines.count + skipped.count == records.count)
            #expect(Set(lines).isSubset(of: Set(records)), "a record kept is kept whole")
            #expect((recordStartLines(outputs) + skipped).sorted() == startLines, "a record skipped is counted at its line")
            results.append(lines + skipped.map(String.init))
        }
        #expect(Set(results).count == 1, "the same records kept and skipped whatever the block size")
    }

    // MARK: - Sniffing

    @Test func sniffsJSONLinesAndDocuments() {
        let event = EventLine(number: 1).json
        #expect(LineChunker.format(of: Array((event + "\n" + event + "\n").utf8)) == .lines)
        #expect(LineChunker.format(of: Array("[\n  {\n".utf8)) == .document)
        #expect(LineChunker.format(of: Array("{\n  \"kind\": \"EventList\",\n".utf8)) == .document)
        #expect(LineChunker.format(of: Array(("garbage from a crash\n" + event + "\n").utf8)) == .lines,
                "junk at the start does not hide the events after it")
        #expect(LineChunker.format(of: []) == .lines)
    }

    @Test func markdownIsNotAuditData() {
        let markdown = """
        # Incident 4711

        Logs are in `audit/`. The apiserver flags were:

        ```json
        {"auditPolicy": "/etc/kubernetes/audit.yaml"}
        ```
        """
        #expect(LineChunker.format(of: Array(markdown.utf8)) == .notAuditData)
    }

    @Test func pythonSourceWithBraceLinesIsNotAuditData() {
        let python = """
        import json

        DEFAULTS = \\
        {"kind": "Event", "level": "Metadata"}

        def load(path):
            return [json.loads(line) for line in open(path)]
        {
        }
        """
        #expect(LineChunker.format(of: Array(python.utf8)) == .notAuditData)
    }

    @Test func aMarkdownFileThroughThePipelineIsSkippedAsNotAuditData() throws {
        let path = try directory.write("NOTES.md", "# Notes\n\n{\"a\": 1}\n")
        let result = Analysis.run([path])
        #expect(result.totals.eventsRead == 0)
        #expect(result.totals.recordsSkipped == 0)
        #expect(result.input(path)?.problems.map(\.kind) == [.notAuditData])
    }
}
