// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "KubeSift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kubesift", targets: ["kubesift"]),
        .executable(name: "kubesift-bench", targets: ["kubesift-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // libarchive, found through pkg-config: it reads every container and compression.
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"]), .brew(["libarchive"])]
        ),
        // zlib, zstd and liblzma, which libarchive links too: read directly only to salvage what
        // libarchive drops when a stream breaks.
        .systemLibrary(
            name: "CCompression",
            providers: [.apt(["zlib1g-dev", "libzstd-dev", "liblzma-dev"]), .brew(["zlib", "zstd", "xz"])]
        ),
        // ISA-L (igzip): inflates a `.gz` input file about twice as fast as libarchive's zlib; gzip
        // inside archives stays libarchive's.
        .systemLibrary(
            name: "CISAL",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"]), .brew(["isa-l"])]
        ),
        // SSE2's byte compares and movemask, which Swift lacks: the bit masks JSON scanning works on.
        .target(name: "CByteMask"),
        // The engine: one folder per pipeline stage, numbered so the tree shows the flow.
        .target(
            name: "KubeSiftCore",
            dependencies: [
                "CArchive",
                "CCompression",
                "CISAL",
                "CByteMask",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                // The state of nightly runs (inputs seen, open correlation windows, ledger, dispositions).
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["7-Report/Templates/README.md"],
            plugins: ["EmbedCatalogs"]
        ),
        // The rule catalog under `rules/`, the control catalogs under `controls/` and the report
        // templates under `templates/` become Swift source in the library, before every build.
        .plugin(name: "EmbedCatalogs", capability: .buildTool()),
        // The command-line tool: one file per subcommand.
        .executableTarget(
            name: "kubesift",
            dependencies: [
                "KubeSiftCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmark: decompress-only baseline, decode-only and end-to-end, side by side.
        .executableTarget(
            name: "kubesift-bench",
            dependencies: ["KubeSiftCore", "CArchive"],
            path: "Benchmarks/kubesift-bench"
        ),
        // libFuzzer targets (built by `scripts/fuzz.sh` with -sanitize=fuzzer -DFUZZING); in an
        // ordinary build, a tool that replays inputs through a target, for regression tests.
        .executableTarget(
            name: "kubesift-fuzz",
            dependencies: ["KubeSiftCore", .product(name: "Logging", package: "swift-log")],
            path: "Fuzz/kubesift-fuzz"
        ),
        .testTarget(
            name: "KubeSiftCoreTests",
            dependencies: [
                "KubeSiftCore", "CArchive", .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                // Writes states as older versions did, to test they are still read.
                .product(name: "GRDB", package: "GRDB.swift"),
                // The reference the report templates' own renderer is tested against.
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            // Read by the tests through their path, like samples/.
            exclude: ["Fixtures"]
        ),
        // Runs the built `kubesift` binary, so it depends on it to have it built first.
        .testTarget(
            name: "KubeSiftCLITests",
            dependencies: ["KubeSiftCore", "kubesift", "kubesift-fuzz", .product(name: "Yams", package: "Yams")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
