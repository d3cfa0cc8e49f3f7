import ArgumentParser

/// Reports per cluster beside the combined one (multi-cluster syncs: `s3-sync/<cluster>/…`).
struct ClusterReportOptions: ParsableArguments {
    @Flag(help: "Also write one report per cluster into clusters/<name>/ of the output directory (inputs labelled by --cluster-from-dir).")
    var perCluster = false
}
