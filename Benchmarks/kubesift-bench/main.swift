import CArchive
import Foundation
import KubeSiftCore
import Logging

// kubesift-bench: generates a seeded, realistic corpus of audit JSON, compresses it, and measures in
// one run, side by side: libarchive decompress-only (the baseline), the decode stage alone on one core,
// and `analyze` end to end (on one `.gz` inflated by ISA-L and by libarchive), on the native corpus and on the
// same events in EKS and AKS export shapes.
// Each row runs in its own child process, so its peak RSS is its own.
//
//   swift run -c release kubesift-bench [--size-mb 1100] [--zst-files 4] [--dir /tmp/kubesift-bench] [--scale] [--scale-out]
//
// --scale-out runs only the full-catalog row, the shard processes and the merge (the README's Scale-out table).

struct Settings {
    var sizeMB = 1100
    var zstFiles = 4
    var directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubesift-bench").path
    var scale = false
    /// Only the rows of the Scale-out table.
    var scaleOutOnly = false
    /// Generate and compress the single-file corpus, print the `.gz` path, and stop (for scripts/bench-peers.sh).
    var corpusOnly = false
    var row: String?
    var inputs: [String] = []

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--size-mb": sizeMB = Int(iterator.next() ?? "") ?? sizeMB
            case "--zst-files": zstFiles = Int(iterator.next() ?? "") ?? zstFiles
            case "--dir": directory = iterator.next() ?? directory
            case "--scale": scale = true
            case "--scale-out": scaleOutOnly = true
            case "--corpus-only": corpusOnly = true
            case "--row": row = iterator.next()
            case "--help", "-h":
                print("usage: kubesift-bench [--size-mb 1100] [--zst-files 4] [--dir DIR] [--scale] [--scale-out] [--corpus-only]")
                exit(0)
            default:
                // Only the parent's own `--row NAME FILE...` call passes files; anything else is a mistake.
                guard row != nil, !argument.hasPrefix("-") else {
                    FileHandle.standardError.write(Data("kubesift-bench: unknown argument \(argument) (see --help)\n".utf8))
                    exit(64)
                }
                inputs.append(argument)
            }
        }
    }
}

/// What a row reports back to the parent.
struct RowResult: Codable {
    var seconds: Double
    var uncompressedBytes: Int
    var events: Int
    var peakRSSBytes: Int
    var findings: Int? = nil
}

// MARK: - Rows (run in a child process)

func peakRSS() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kilobytes * 1024
}

func decompressOnly(_ path: String) -> Int {
    let archive = archive_read_new()
    defer { archive_read_free(archive) }
    archive_read_support_filter_gzip(archive)
    archive_read_support_filter_zstd(archive)
    archive_read_support_format_raw(archive)
    guard archive_read_open_filename(archive, path, 1 << 20) == ARCHIVE_OK else { fatalError("cannot open \(path)") }
    var entry: OpaquePointer?
    var total = 0
    while archive_read_next_header(archive, &entry) == ARCHIVE_OK {
        var buffer: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while archive_read_data_block(archive, &buffer, &size, &offset) == ARCHIVE_OK { total += size }
    }
    return total
}

/// Runs `body` over the files on `threads` threads, each thread taking the next file.
func concurrently(_ files: [String], threads: Int, _ body: @escaping @Sendable (String) -> Int) -> Int {
    struct Counts: Sendable {
        var next = 0
        var total = 0
    }
    final class Progress: Sendable {
        let state = Locked(Counts())
    }
    let progress = Progress()
    DispatchQueue.concurrentPerform(iterations: min(threads, files.count)) { _ in
        while let index = progress.state.withLock({ state -> Int? in
            defer { state.next += 1 }
            return state.next < files.count ? state.next : nil
        }) {
            let bytes = body(files[index])
            progress.state.withLock { $0.total += bytes }
        }
    }
    return progress.state.withLock { $0.total }
}

func runRow(_ row: String, inputs: [String]) -> RowResult {
    let start = Date()
    var bytes = 0
    var events = 0
    var findings: Int?
    switch row {
    case "decompress":
        bytes = concurrently(inputs, threads: ProcessInfo.processInfo.activeProcessorCount) { decompressOnly($0) }
    case "decode":
        // Whole lines, 1 MiB at a time, read into memory before the clock starts.
        // The first 256 MB, held in memory so that only decoding is timed (the row's RSS is that copy).
        let handle = FileHandle(forReadingAtPath: inputs[0])!
        let data = handle.readData(ofLength: 256_000_000)
        var chunks: [[UInt8]] = []
        var offset = 0
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            while offset < bytes.count {
                var end = min(offset + (1 << 20), bytes.count)
                while end < bytes.count && bytes[end - 1] != 0x0A { end += 1 }
                chunks.append(Array(bytes[offset..<end]))
                offset = end
            }
        }
        let decodeStart = Date()
        for chunk in chunks {
            events += DecodeStage.countEvents(in: chunk).events
            bytes += chunk.count
        }
        return RowResult(seconds: Date().timeIntervalSince(decodeStart), uncompressedBytes: bytes, events: events,
                         peakRSSBytes: peakRSS())
    case "shard":
        // inputs: index, count, bundle directory, then the files.
        let (index, count, directory) = (Int(inputs[0])!, Int(inputs[1])!, inputs[2])
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        var options = AnalysisOptions(paths: Array(inputs.dropFirst(3)))
        options.rules = try! RuleCatalog.ruleSet(extraPaths: [], disabled: [], builtInExamples: false)
        let discovered = Pipeline.discover(options)
        // Size-balanced bins (as `--listing` gives): four equal files, one per shard.
        let listing = ShardAssignment.listing(discovered.files.map { .init(path: ($0.path as NSString).lastPathComponent, size: $0.size) })
        let assigned = try! listing.assigned(discovered.files, roots: options.paths, index: index, count: count)
        let content = Pipeline.shard(discovered, assigned: assigned, options: options,
                                     seeds: ShardSeeds.derive(runID: "bench", optionsDigest: ""), logger: logger)
        let now = Timestamp(unixSeconds: 0)
        let manifest = ShardManifest(shardIndex: index, shardCount: count, attempt: nil, rulesSHA256: options.rules.sha256,
                                     optionsSHA256: "", runIDSHA256: "", listingSHA256: "", assignment: "listing",
                                     window: options.window, now: nil, arguments: [], startedAt: now, finishedAt: now)
        _ = try! ShardBundle.write(content, manifest: manifest, into: directory)
        bytes = assigned.reduce(0) { $0 + Int(discovered.files[$1].size) }
        events = content.requests.count
    case "merge":
        // inputs: count, bundle directory.
        let (count, directory) = (Int(inputs[0])!, inputs[1])
        let bundles = try! ShardBundle.read((0..<count).map { directory + "/" + ShardBundle.directoryName(index: $0, count: count) })
            .map { ($0.manifest, $0.content) }
        bytes = (0..<count).reduce(0) { total, index in
            let path = directory + "/" + ShardBundle.directoryName(index: index, count: count)
            return total + ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).reduce(0) {
                $0 + ((try? FileManager.default.attributesOfItem(atPath: path + "/" + $1)[.size] as? Int) ?? 0)
            }
        }
        let set = try! ShardSet(bundles, expected: count)
        let rules = try! RuleCatalog.ruleSet(extraPaths: [], disabled: [], builtInExamples: false)
        let result = try! ShardMerge.result(of: set.contents, window: .unbounded, rules: rules, compliance: nil)
        events = result.totals.eventsRead
        findings = result.findings.count
    case "analyze", "analyze-libarchive-inflate", "analyze-rules":
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        var options = AnalysisOptions(paths: inputs)
        if row == "analyze-libarchive-inflate" { options.readLimits.gzipInflater = .libarchive }
        if row == "analyze-rules" { options.rules = try! RuleCatalog.ruleSet(extraPaths: [], disabled: [], builtInExamples: false) }
        let result = Pipeline.run(options, logger: logger)
        bytes = Int(result.totals.decompressedBytes)
        events = result.totals.eventsRead
        findings = result.findings.count
    default:
        fatalError("unknown row \(row)")
    }
    return RowResult(seconds: Date().timeIntervalSince(start), uncompressedBytes: bytes, events: events,
                     peakRSSBytes: peakRSS(), findings: findings)
}

// MARK: - Corpus

func shell(_ command: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    try! process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("failed: \(command)") }
}

/// Writes `parts` files of seeded audit JSON lines, `megabytes` in all; returns their paths.
func generateCorpus(in directory: String, name: String, megabytes: Int, parts: Int, seed: UInt64) -> [String] {
    let paths = (0..<parts).map { "\(directory)/\(name)-\($0).jsonl" }
    let stamp = "\(directory)/\(name).stamp"
    let expected = "\(megabytes) \(parts) \(seed)"
    if (try? String(contentsOfFile: stamp, encoding: .utf8)) == expected { return paths }
    var log = SyntheticAuditLog(seed: seed)
    let perPart = megabytes * 1_000_000 / parts
    for path in paths {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = FileHandle(forWritingAtPath: path)!
        var written = 0
        var buffer: [UInt8] = []
        while written < perPart {
            buffer.removeAll(keepingCapacity: true)
            log.append(atLeast: min(8 << 20, perPart - written), to: &buffer)
            handle.write(Data(buffer))
            written += buffer.count
        }
        handle.closeFile()
    }
    try! expected.write(toFile: stamp, atomically: true, encoding: .utf8)
    return paths
}

func compressed(_ path: String, _ tool: String) -> String {
    let output = path + (tool == "gzip" ? ".gz" : ".zst")
    if FileManager.default.fileExists(atPath: output),
       let source = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date,
       let target = try? FileManager.default.attributesOfItem(atPath: output)[.modificationDate] as? Date, target > source {
        return output
    }
    shell(tool == "gzip" ? "gzip -6 -n -c '\(path)' > '\(output).tmp' && mv '\(output).tmp' '\(output)'"
                         : "zstd -3 -q -f -c '\(path)' > '\(output).tmp' && mv '\(output).tmp' '\(output)'")
    return output
}

// MARK: - Parent

func measure(_ row: String, _ inputs: [String]) -> RowResult {
    measureTogether([(row, inputs)])[0]
}

/// Runs the rows at the same time, each in its own process.
func measureTogether(_ rows: [(row: String, inputs: [String])]) -> [RowResult] {
    let running = rows.map { row, inputs in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["--row", row] + inputs
        let pipe = Pipe()
        process.standardOutput = pipe
        try! process.run()
        return (process, pipe)
    }
    return running.map { process, pipe in
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try! JSONDecoder().decode(RowResult.self, from: output)
    }
}

/// A row whose ratio to its baseline is the figure that matters, measured in turns with the baseline
/// (baseline, row, three times over): the machine's speed drifts between rows measured apart by more
/// than the differences measured. Returns the turn with the median ratio, and every turn's ratio.
func measureInTurns(_ row: String, _ inputs: [String], against baselineRow: String, _ baselineInputs: [String],
                    perEvent: Bool) -> (row: RowResult, baseline: RowResult, ratios: [Double]) {
    let turns = (0..<3).map { _ in (baseline: measure(baselineRow, baselineInputs), row: measure(row, inputs)) }
    func ratio(_ turn: (baseline: RowResult, row: RowResult)) -> Double {
        perEvent ? (Double(turn.row.events) / turn.row.seconds) / (Double(turn.baseline.events) / turn.baseline.seconds)
            : (Double(turn.row.uncompressedBytes) / turn.row.seconds) / (Double(turn.baseline.uncompressedBytes) / turn.baseline.seconds)
    }
    let median = turns.sorted { ratio($0) < ratio($1) }[1]
    return (median.row, median.baseline, turns.map(ratio).sorted())
}

func turnsNote(_ ratios: [Double]) -> String {
    String(format: " (turns %.2f–%.2f)", ratios.first ?? 0, ratios.last ?? 0)
}

/// One table row; `baseline` is the row it is a ratio of, `isBaseline` marks the baselines themselves.
/// `perEvent` compares events per second instead of bytes (for the same events in a bulkier shape).
func formatRow(_ name: String, _ input: String, _ result: RowResult, baseline: RowResult? = nil,
               baselineName: String = "baseline", isBaseline: Bool = false, perEvent: Bool = false) -> String {
    let megabytesPerSecond = Double(result.uncompressedBytes) / result.seconds / 1e6
    let eventsPerSecond = Double(result.events) / result.seconds
    let ratio = baseline.map { baseline in
        let own = perEvent ? eventsPerSecond : megabytesPerSecond
        let theirs = perEvent ? Double(baseline.events) / baseline.seconds : Double(baseline.uncompressedBytes) / baseline.seconds / 1e6
        return String(format: "%.2f× \(baselineName)\(perEvent ? " ev/s" : "")", own / theirs)
    } ?? (isBaseline ? "baseline" : "")
    func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
    return pad(name, 34) + pad(input, 22) + pad(String(format: "%7.2f s", result.seconds), 11)
        + pad(String(format: "%8.0f MB/s", megabytesPerSecond), 14)
        + pad(result.events > 0 ? String(format: "%9.0f ev/s", eventsPerSecond) : "", 15)
        + pad(String(format: "%6.0f MB", Double(result.peakRSSBytes) / 1e6), 10) + ratio
        + (result.findings.map { ", \($0) findings" } ?? "")
}

let settings = Settings(CommandLine.arguments)
if let row = settings.row {
    let result = runRow(row, inputs: settings.inputs)
    FileHandle.standardOutput.write(try! JSONEncoder().encode(result))
    exit(0)
}

try! FileManager.default.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
FileHandle.standardError.write(Data("the corpus: \(settings.sizeMB) MB of audit JSON (seed 42) in \(settings.directory), made unless it is there…\n".utf8))
let single = generateCorpus(in: settings.directory, name: "audit", megabytes: settings.sizeMB, parts: 1, seed: 42)[0]
if settings.corpusOnly {
    print(compressed(single, "gzip"))
    exit(0)
}
let parts = generateCorpus(in: settings.directory, name: "audit-part", megabytes: settings.sizeMB, parts: settings.zstFiles, seed: 43)
FileHandle.standardError.write(Data("its compressed copies (gzip -6, zstd -3), made unless they are there…\n".utf8))
let gz = compressed(single, "gzip")
let zsts = parts.map { compressed($0, "zstd") }

print("kubesift-bench · \(ProcessInfo.processInfo.activeProcessorCount) cores · corpus \(settings.sizeMB) MB, seed 42 · MB/s of uncompressed audit JSON")
print(String(repeating: "-", count: 116))
if !settings.scaleOutOnly {
    let gzBaseline = measure("decompress", [gz])
    print(formatRow("libarchive decompress-only", "1 × .gz", gzBaseline, isBaseline: true))
    // The same analysis with libarchive's zlib inflating the file, as before ISA-L: the baseline of the next row.
    let libarchiveInflate = measure("analyze-libarchive-inflate", [gz])
    print(formatRow("kubesift analyze, libarchive gz", "1 × .gz", libarchiveInflate, baseline: gzBaseline))
    print(formatRow("kubesift analyze, ISA-L gz", "1 × .gz", measure("analyze", [gz]), baseline: libarchiveInflate,
                    baselineName: "libarchive gz"))
    let zstBaseline = measure("decompress", zsts)
    print(formatRow("libarchive decompress-only", "\(zsts.count) × .zst", zstBaseline, isBaseline: true))
    print(formatRow("kubesift analyze, no rules", "\(zsts.count) × .zst", measure("analyze", zsts), baseline: zstBaseline))
}
let catalog: RowResult
if settings.scaleOutOnly {
    catalog = measure("analyze-rules", zsts)
    print(formatRow("kubesift analyze, full catalog", "\(zsts.count) × .zst", catalog))
} else {
    let turns = measureInTurns("analyze-rules", zsts, against: "analyze", zsts, perEvent: false)
    catalog = turns.row
    print(formatRow("kubesift analyze, full catalog", "\(zsts.count) × .zst", catalog, baseline: turns.baseline,
                    baselineName: "no rules") + turnsNote(turns.ratios))
}
// Scale-out on one machine: the same input and catalog as M shard processes at once (each
// with both cores), then the merge; against the one process above.
let shardDirectory = settings.directory + "/bundles"
try? FileManager.default.removeItem(atPath: shardDirectory)
let shardStart = Date()
let shards = measureTogether((0..<zsts.count).map { ("shard", [String($0), String(zsts.count), shardDirectory] + zsts) })
let shardWall = Date().timeIntervalSince(shardStart)
let shardTotal = RowResult(seconds: shardWall, uncompressedBytes: catalog.uncompressedBytes, events: catalog.events,
                           peakRSSBytes: shards.map(\.peakRSSBytes).max() ?? 0)
print(formatRow("\(zsts.count) shard processes, catalog", "\(zsts.count) × .zst", shardTotal, baseline: catalog,
                baselineName: "one process"))
let merge = measure("merge", [String(zsts.count), shardDirectory])
print(formatRow("merge of \(zsts.count) bundles", String(format: "%.0f MB of bundles", Double(merge.uncompressedBytes) / 1e6),
                RowResult(seconds: merge.seconds, uncompressedBytes: catalog.uncompressedBytes, events: catalog.events,
                          peakRSSBytes: merge.peakRSSBytes, findings: merge.findings)))
let endToEnd = RowResult(seconds: shardWall + merge.seconds, uncompressedBytes: catalog.uncompressedBytes, events: catalog.events,
                         peakRSSBytes: max(shardTotal.peakRSSBytes, merge.peakRSSBytes), findings: merge.findings)
print(formatRow("shards + merge, end to end", "\(zsts.count) × .zst", endToEnd, baseline: catalog, baselineName: "one process"))
if settings.scaleOutOnly { exit(0) }
let decodeNative = measure("decode", [single])
print(formatRow("decode stage alone, 1 core", "256 MB in memory", decodeNative))

// The same events in cloud export shapes: the cost of unwrapping, per event.
FileHandle.standardError.write(Data("the corpus in EKS and AKS shapes, made unless it is there…\n".utf8))
for shape in [CloudShape.eksCloudWatch, .eksFirehose, .aks] {
    let files = parts.map { compressed(shape.convert($0), "zstd") }
    let turns = measureInTurns("analyze", files, against: "analyze", zsts, perEvent: true)
    print(formatRow("kubesift analyze, no rules", "\(files.count) × \(shape.rawValue)", turns.row,
                    baseline: turns.baseline, baselineName: "native", perEvent: true) + turnsNote(turns.ratios))
}
for shape in [CloudShape.eksEvents, .aks] {
    print(formatRow("decode stage alone, 1 core", "256 MB \(shape.rawValue)", measure("decode", [shape.convert(single)]),
                    baseline: decodeNative, baselineName: "native", perEvent: true))
}
if settings.scale {
    let large = generateCorpus(in: settings.directory, name: "audit-4x", megabytes: settings.sizeMB * 4,
                               parts: settings.zstFiles, seed: 44).map { compressed($0, "zstd") }
    print(formatRow("kubesift analyze, \(settings.sizeMB * 4) MB", "\(large.count) × .zst", measure("analyze", large)))
    // Time linear, memory flat: four times the input against the catalog row above.
    print(formatRow("kubesift analyze, catalog \(settings.sizeMB * 4) MB", "\(large.count) × .zst", measure("analyze-rules", large),
                    baseline: catalog, baselineName: "\(settings.sizeMB) MB"))
}
