/// The tool's version, written into every report so a reader knows what produced it.
package enum KubeSiftVersion {
    package static let current = "0.1.0"
}
