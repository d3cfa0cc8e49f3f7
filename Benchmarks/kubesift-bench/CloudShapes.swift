import Foundation

/// The benchmark corpus rewritten in the shapes cloud exports give the same events, so that rows
/// side by side measure what unwrapping an envelope costs per event.
enum CloudShape: String, CaseIterable {
    /// `aws logs filter-log-events` output as the CLI prints it: one indented document per file.
    case eksCloudWatch = "eks-cloudwatch"
    /// CloudWatch Logs subscription records as Firehose writes them to S3: concatenated, no newlines.
    case eksFirehose = "eks-firehose"
    /// AKS diagnostic-settings records, one per line, as a storage account archives them (with
    /// `\/` escapes, as Azure writes `properties.log`).
    case aks
    /// One CloudWatch event object per line: the EKS unwrapping alone, for the decode-stage row.
    case eksEvents = "eks-events"

    /// Writes `path` (native JSON lines) in this shape next to it, once; returns the new file's path.
    func convert(_ path: String) -> String {
        let output = "\(path).\(rawValue)"
        if FileManager.default.fileExists(atPath: output),
           let source = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date,
           let target = try? FileManager.default.attributesOfItem(atPath: output)[.modificationDate] as? Date, target > source {
            return output
        }
        guard let input = FileHandle(forReadingAtPath: path) else { fatalError("cannot open \(path)") }
        _ = FileManager.default.createFile(atPath: output + ".tmp", contents: nil)
        guard let handle = FileHandle(forWritingAtPath: output + ".tmp") else { fatalError("cannot write \(output)") }
        var writer = Writer(shape: self, handle: handle)
        var carry: [UInt8] = []
        while true {
            let block = input.readData(ofLength: 8 << 20)
            if block.isEmpty { break }
            carry.append(contentsOf: block)
            var start = 0
            while let newline = carry[start...].firstIndex(of: 0x0A) {
                writer.add(carry[start..<newline])
                start = newline + 1
            }
            carry.removeSubrange(0..<start)
        }
        if !carry.isEmpty { writer.add(carry[...]) }
        writer.finish()
        handle.closeFile()
        try? FileManager.default.removeItem(atPath: output)
        try! FileManager.default.moveItem(atPath: output + ".tmp", toPath: output)
        return output
    }

    private struct Writer {
        let shape: CloudShape
        let handle: FileHandle
        var buffer: [UInt8] = []
        var count = 0
        /// Events in the open Firehose record.
        var inRecord = 0

        init(shape: CloudShape, handle: FileHandle) {
            self.shape = shape
            self.handle = handle
            if shape == .eksCloudWatch { append("{\n    \"events\": [") }
        }

        mutating func add(_ line: ArraySlice<UInt8>) {
            let milliseconds = 1_795_000_000_000 + count * 4
            switch shape {
            case .eksCloudWatch:
                append(count == 0 ? "\n        {\n" : ",\n        {\n")
                append("            \"logStreamName\": \"kube-apiserver-audit-5f2b3c4d9e8a7b6c\",\n")
                append("            \"timestamp\": \(milliseconds),\n            \"message\": \"")
                appendEscaped(line, slashes: false)
                append("\",\n            \"ingestionTime\": \(milliseconds + 850),\n")
                append("            \"eventId\": \"\(37_000_000_000 + count)\"\n        }")
            case .eksEvents:
                append("{\"logStreamName\":\"kube-apiserver-audit-5f2b3c4d9e8a7b6c\",\"timestamp\":\(milliseconds),\"message\":\"")
                appendEscaped(line, slashes: false)
                append("\",\"ingestionTime\":\(milliseconds + 850),\"eventId\":\"\(37_000_000_000 + count)\"}\n")
            case .eksFirehose:
                if inRecord == 0 {
                    append("{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"/aws/eks/bench/cluster\",")
                    append("\"logStream\":\"kube-apiserver-audit-5f2b3c4d9e8a7b6c\",\"subscriptionFilters\":[\"audit-to-s3\"],\"logEvents\":[")
                } else {
                    append(",")
                }
                append("{\"id\":\"\(37_000_000_000 + count)\",\"timestamp\":\(milliseconds),\"message\":\"")
                appendEscaped(line, slashes: false)
                append("\"}")
                inRecord += 1
                if inRecord == 50 { closeRecord() }
            case .aks:
                append("{\"category\":\"kube-audit\",\"operationName\":\"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read\",")
                append("\"properties\":{\"containerID\":\"5b3c0f2e9d8a\",\"log\":\"")
                appendEscaped(line, slashes: true)
                append("\\n\",\"pod\":\"kube-apiserver-7c9d8f6b5-x2x9k\",\"stream\":\"stdout\"},")
                append("\"resourceId\":\"/SUBSCRIPTIONS/0000/RESOURCEGROUPS/BENCH/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/BENCH\",")
                append("\"serviceBuild\":\"na\",\"time\":\"2026-11-21T03:00:00.0000000Z\"}\n")
            }
            count += 1
            if buffer.count >= 8 << 20 { flush() }
        }

        mutating func finish() {
            if shape == .eksFirehose, inRecord > 0 { closeRecord() }
            if shape == .eksCloudWatch { append("\n    ],\n    \"searchedLogStreams\": []\n}\n") }
            flush()
        }

        private mutating func closeRecord() {
            append("]}")
            inRecord = 0
        }

        private mutating func flush() {
            handle.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }

        private mutating func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

        /// The line as the content of a JSON string, as Go's encoder writes it.
        private mutating func appendEscaped(_ line: ArraySlice<UInt8>, slashes: Bool) {
            for byte in line {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    buffer.append(UInt8(ascii: "\\"))
                    buffer.append(byte)
                case UInt8(ascii: "/") where slashes:
                    buffer.append(UInt8(ascii: "\\"))
                    buffer.append(byte)
                case 0..<0x20:
                    buffer.append(contentsOf: Array(String(format: "\\u%04x", byte).utf8))
                default:
                    buffer.append(byte)
                }
            }
        }
    }
}
