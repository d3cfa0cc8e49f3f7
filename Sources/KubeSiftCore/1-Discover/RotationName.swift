/// Reads the rotation time and index that log rotators write into file names, to order rotated
/// files oldest first.
///
/// kube-apiserver's lumberjack writes `audit-2026-11-21T03-00-00.000.log.gz`; logrotate writes
/// `audit.log.1`, `audit.log.2.gz` (higher is older) or a date extension `audit.log-20261121`.
enum RotationName {
    static func time(in fileName: String) -> Timestamp? {
        if let match = fileName.firstMatch(of: /(\d{4})-(\d{2})-(\d{2})[T_ ](\d{2})[-:](\d{2})[-:](\d{2})(?:\.(\d{1,6}))?/) {
            let fraction = match.7.map { "." + $0 } ?? ""
            return Timestamp(rfc3339: "\(match.1)-\(match.2)-\(match.3)T\(match.4):\(match.5):\(match.6)\(fraction)Z")
        }
        if let match = fileName.firstMatch(of: /(?:^|\D)(20\d{2})-?(\d{2})-?(\d{2})(?:[-_T](\d{2})(\d{2})(\d{2}))?(?!\d)/) {
            let clock = match.4.map { "\($0):\(match.5!):\(match.6!)" } ?? "00:00:00"
            return Timestamp(rfc3339: "\(match.1)-\(match.2)-\(match.3)T\(clock)Z")
        }
        return nil
    }

    static func index(in fileName: String) -> Int {
        guard let match = fileName.firstMatch(of: /\.(\d{1,4})(?:\.(?:gz|zst|xz|bz2|lz4|zip))?$/) else { return 0 }
        return Int(match.1) ?? 0
    }
}
