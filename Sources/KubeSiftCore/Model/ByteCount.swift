import Foundation

/// A byte count for people: `1.4 GB`, `812 kB`.
package struct ByteCount: CustomStringConvertible, Sendable {
    package var bytes: Int64

    package init(_ bytes: Int) { self.bytes = Int64(bytes) }
    package init(_ bytes: Int64) { self.bytes = bytes }

    package var description: String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}
