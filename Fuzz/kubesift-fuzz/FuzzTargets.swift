import Foundation
import KubeSiftCore
import Logging

/// The parsers that read attacker-controlled bytes, one fuzz target each. A target must never
/// crash, trap or hang, whatever it is given; what it returns is not checked here.
enum FuzzTarget: String, CaseIterable {
    /// The JSON scanner, through ``JSONValue`` and the ``JSONTape`` rules read bodies with.
    case json
    /// Lines of audit JSON through the decode stage (UTF-8 check, native event decoder).
    case event
    /// Bytes through the chunker, in blocks, with a record limit and a chunk size the first three
    /// bytes pick (small, so that records run over them): the window copies of a document's records
    /// must cut exactly as the byte loop does.
    case chunk
    /// One record through the envelope decoder (cloud exports, shippers, line prefixes) into events;
    /// the first byte picks the format it is forced to, or none.
    case envelope
    /// A whole input file through the pipeline: libarchive, salvage, chunking, decoding, counting.
    case archive
    /// A Sigma rule file through the rule loader.
    case sigma
    /// An audit policy through the parser and the linter (against the built-in catalog).
    case policy

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .json:
            _ = try? JSONValue.parse(bytes)
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            let tape = JSONTape()
            try? tape.index(base, start: 0, end: bytes.count)
        case .event:
            _ = DecodeStage.countEvents(in: Array(bytes))
        case .chunk:
            guard bytes.count >= 3 else { return }
            let agree = ChunkStage.windowCopiesAgree(
                UnsafeRawBufferPointer(rebasing: bytes.dropFirst(3)), blockSize: 1 + Int(bytes[0]) * 4,
                targetBytes: 64 + Int(bytes[1]) * 16, maximumRecordBytes: 16 + Int(bytes[2]) * 8)
            precondition(agree, "a window copy of the document's records disagrees with the byte loop")
        case .envelope:
            guard let selector = bytes.first else { return }
            let formats = SourceFormat.allCases
            let index = Int(selector) % (formats.count + 1)
            _ = DecodedRecord(UnsafeRawBufferPointer(rebasing: bytes.dropFirst()),
                              format: index < formats.count ? formats[index] : nil)
        case .archive:
            Self.analyzeAsFile(bytes)
        case .sigma:
            _ = RuleLoader.load(yaml: String(decoding: bytes, as: UTF8.self), origin: .file(path: "fuzz.yml"))
        case .policy:
            guard let policy = try? AuditPolicy.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz-policy.yaml") else {
                return
            }
            _ = AuditPolicyLint.lint(policy, file: "fuzz-policy.yaml", ruleSet: Self.builtInRules)
        }
    }

    /// The built-in catalog, loaded once: the linter checks a policy against it.
    private static let builtInRules: RuleSet = {
        do {
            return try RuleCatalog.ruleSet(extraPaths: [], disabled: [])
        } catch {
            fatalError("the built-in catalog does not load: \(error)")
        }
    }()

    /// A file on the in-memory file system, rewritten for every input: the reader takes paths.
    private static let inputPath: String = {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(directory)/kubesift-fuzz-\(getpid())-input"
    }()

    private static let quietLogger: Logger = {
        var logger = Logger(label: "kubesift-fuzz")
        logger.logLevel = .critical
        return logger
    }()

    private static func analyzeAsFile(_ bytes: UnsafeRawBufferPointer) {
        guard FileManager.default.createFile(atPath: inputPath, contents: Data(bytes)) else { return }
        defer { try? FileManager.default.removeItem(atPath: inputPath) }
        _ = Pipeline.run(AnalysisOptions(paths: [inputPath], workers: 1), logger: quietLogger)
    }
}

/// `kubesift-fuzz TARGET FILE...`: runs each file through the target, as the fuzzer would; a crash
/// kills the process. For regression tests over the kept corpus and crashes. Built with -DFUZZING,
/// it is the libFuzzer binary instead, for the target named by `KUBESIFT_FUZZ_TARGET`.
@main struct FuzzMain {
    static func main() {
        #if FUZZING
        exit(runFuzzer())
        #else
        replay()
        #endif
    }

    private static func replay() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data(
                "usage: kubesift-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE...\n".utf8))
            exit(64)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("kubesift-fuzz: cannot read \(path)\n".utf8))
                exit(66)
            }
            data.withUnsafeBytes { target.run($0) }
        }
    }
}

#if FUZZING
/// The target `scripts/fuzz.sh` picked.
private let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["KUBESIFT_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("KUBESIFT_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue)), not '\(name)'")
    }
    return target
}()

/// libFuzzer's driver, for a program that has its own `main` (SwiftPM gives every executable one).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

private func runFuzzer() -> CInt {
    _ = selectedTarget
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argc, &argv) { start, count in
        selectedTarget.run(UnsafeRawBufferPointer(start: start, count: count))
        return 0
    }
}
#endif
