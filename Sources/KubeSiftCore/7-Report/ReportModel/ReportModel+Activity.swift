extension ReportModel {
    /// One statistics table: its key, title and CSV file, and the dimension it counts.
    struct StatisticsTable: Sendable {
        var key: String
        var title: String
        var file: String
        var dimension: ActivityDimension
    }

    /// The statistics tables, in report order; the CSV files are named after them.
    static let statisticsTables = [
        StatisticsTable(key: "users", title: "Users", file: "activity-users.csv", dimension: .user),
        StatisticsTable(key: "service-accounts", title: "Service accounts", file: "activity-service-accounts.csv",
                        dimension: .serviceAccount),
        StatisticsTable(key: "source-ips", title: "Source addresses", file: "activity-source-ips.csv", dimension: .sourceIP),
        StatisticsTable(key: "namespaces", title: "Namespaces", file: "activity-namespaces.csv", dimension: .namespace),
        StatisticsTable(key: "resources", title: "Resources", file: "activity-resources.csv", dimension: .resource),
        StatisticsTable(key: "verbs", title: "Verbs", file: "activity-verbs.csv", dimension: .verb),
        StatisticsTable(key: "response-codes", title: "Response codes", file: "activity-response-codes.csv",
                        dimension: .responseCode),
        StatisticsTable(key: "user-agents", title: "User agents", file: "activity-user-agents.csv", dimension: .userAgent),
    ]

    static func activityRow(_ row: ReportDocument.Activity) -> ActivityRow {
        ActivityRow(name: row.name, requests: row.requests, requestsText: ReportFormatting.count(row.requests), denied: row.denied,
                    deniedText: ReportFormatting.count(row.denied), firstSeen: ReportFormatting.time(row.firstSeen),
                    lastSeen: ReportFormatting.time(row.lastSeen))
    }
}

extension ReportModel.Activity {
    init(_ document: ReportDocument) {
        let activity = document.activity
        tables = ReportModel.statisticsTables.map { table in
            let rows = activity.rows(table.dimension)
            let overflow = activity.overflowedRequests[table.dimension.rawValue]
            return Table(
                key: table.key, title: table.title, csv: table.file,
                rows: rows.prefix(ReportModel.statisticsRowLimit).map(ReportModel.activityRow),
                more: max(0, rows.count - ReportModel.statisticsRowLimit),
                note: overflow.map { "Values past the table's limit are counted under (other): \(ReportFormatting.count($0)) requests." } ?? "")
        }
        guard let first = document.summary.firstEvent, let last = document.summary.lastEvent else {
            newIdentities = []
            newIdentitiesNote = "No event was analysed."
            return
        }
        // Without an earlier run to compare with, "new" is relative to the period itself: first seen
        // after its first quarter (at least an hour), i.e. not active from the start.
        let hour: Int64 = 3_600_000_000
        let baseline = Timestamp(microseconds: first.microseconds + max(hour, (last.microseconds - first.microseconds) / 4))
        newIdentities = activity.users.filter { ($0.firstSeen.map { $0 > baseline }) ?? false }
            .sorted { ($0.firstSeen!, $0.name) < ($1.firstSeen!, $1.name) }
            .map(ReportModel.activityRow)
        newIdentitiesNote = "Users and service accounts whose first request came after \(ReportFormatting.time(baseline)), "
            + "the end of the first quarter of the period covered. No earlier run is compared, so new means new within "
            + "this period, and a dormant identity that came back cannot be told from a new one."
    }
}

extension ReportModel {
    /// The report's charts as geometry: inline SVG drawn by the HTML template from these numbers.
    package struct Charts: Sendable, Encodable {
        package var activity: TimeChart
        package var severities: BarChart
        package var categories: BarChart

        init(_ document: ReportDocument, summary: ExecutiveSummary) {
            activity = TimeChart(document.activity.hourly)
            severities = BarChart(summary.severities)
            categories = BarChart(summary.categories)
        }
    }

    /// Requests over time, one bar per hour (per day past ten days), denied requests in front.
    /// Coordinates are in a 960 × 240 view box, as decimal text with one digit.
    package struct TimeChart: Sendable, Encodable {
        package var empty: Bool
        package var bucket: String
        package var bars: [Bar]
        package var gridlines: [Gridline]
        package var start: String
        package var end: String
        package var description: String

        package struct Bar: Sendable, Encodable {
            package var x: String
            package var width: String
            package var y: String
            package var height: String
            package var deniedY: String
            package var deniedHeight: String
            package var label: String
        }

        package struct Gridline: Sendable, Encodable {
            package var y: String
            package var label: String
        }

        static let left = 560, right = 9520, top = 160, bottom = 2000

        init(_ hourly: [ReportDocument.Hour]) {
            bucket = "hour"
            bars = []
            gridlines = []
            start = ""
            end = ""
            empty = true
            description = "No request was analysed."
            guard let first = hourly.first?.hour, let last = hourly.last?.hour else { return }
            let hour: Int64 = 3_600_000_000
            let byDay = (last.microseconds - first.microseconds) / hour >= 240
            let size = byDay ? 24 * hour : hour
            let origin = byDay ? first.microseconds - first.microseconds % size : first.microseconds
            var buckets = [(requests: Int, denied: Int)](repeating: (0, 0), count: Int((last.microseconds - origin) / size) + 1)
            for entry in hourly {
                let index = Int((entry.hour.microseconds - origin) / size)
                buckets[index].requests += entry.requests
                buckets[index].denied += entry.denied
            }
            let peak = max(1, buckets.map(\.requests).max() ?? 1)
            let scale = Self.niceCeiling(peak)
            let slot = (Self.right - Self.left) * 10 / buckets.count // hundredths of a unit
            let plot = Self.bottom - Self.top
            bars = buckets.enumerated().map { index, bucket in
                let height = bucket.requests * plot / scale
                let denied = bucket.denied * plot / scale
                let time = Timestamp(microseconds: origin + Int64(index) * size)
                let when = byDay ? ReportFormatting.day(time) : ReportFormatting.hour(time) + " UTC"
                return Bar(x: Self.tenths((Self.left * 10 + index * slot) / 10), width: Self.tenths(max(10, slot * 8 / 100)),
                           y: Self.tenths(Self.bottom - height), height: Self.tenths(height),
                           deniedY: Self.tenths(Self.bottom - denied), deniedHeight: Self.tenths(denied),
                           label: "\(when): \(ReportFormatting.plural(bucket.requests, "request")), \(ReportFormatting.count(bucket.denied)) denied")
            }
            gridlines = [0, scale / 2, scale].map { value in
                Gridline(y: Self.tenths(Self.bottom - value * plot / scale), label: ReportFormatting.count(value))
            }
            bucket = byDay ? "day" : "hour"
            start = byDay ? ReportFormatting.day(first) : ReportFormatting.hour(first) + " UTC"
            end = byDay ? ReportFormatting.day(last) : ReportFormatting.hour(last) + " UTC"
            empty = false
            description = "Requests per \(bucket) from \(start) to \(end); the most in one \(bucket): "
                + "\(ReportFormatting.count(peak)). Denied requests (401, 403) are drawn in front."
        }

        /// A round top for the axis, at least `value`: 1, 2 or 5 below ten, then 1, 1.2, 1.5, 2, 2.5,
        /// 3, 4, 5, 6 or 8 times a power of ten.
        static func niceCeiling(_ value: Int) -> Int {
            if let small = [1, 2, 5, 10].first(where: { $0 >= value }) { return small }
            var power = 1
            while true {
                for step in [10, 12, 15, 20, 25, 30, 40, 50, 60, 80] where step * power >= value { return step * power }
                power *= 10
            }
        }

        /// Tenths of a unit as decimal text: 1234 → `123.4`.
        static func tenths(_ value: Int) -> String { "\(value / 10).\(value % 10)" }
    }

    /// Counts as horizontal bars, in a 600-wide view box (the charts sit side by side).
    package struct BarChart: Sendable, Encodable {
        package var empty: Bool
        package var height: Int
        package var rows: [Row]

        package struct Row: Sendable, Encodable {
            package var key: String
            package var label: String
            package var count: String
            package var y: Int
            package var textY: Int
            package var width: Int
            package var valueX: Int
        }

        static let barLeft = 160, barRight = 540, rowHeight = 28

        init(_ counts: [Count]) {
            let peak = max(1, counts.map(\.count).max() ?? 1)
            rows = counts.enumerated().map { index, count in
                let width = count.count == 0 ? 0 : max(2, count.count * (Self.barRight - Self.barLeft) / peak)
                return Row(key: count.key, label: count.label, count: count.display, y: index * Self.rowHeight + 4,
                           textY: index * Self.rowHeight + 22, width: width, valueX: Self.barLeft + width + 8)
            }
            height = counts.count * Self.rowHeight + 8
            empty = counts.allSatisfy { $0.count == 0 }
        }
    }
}

extension ReportDocument.ActivitySection {
    /// The table of one dimension.
    func rows(_ dimension: ActivityDimension) -> [ReportDocument.Activity] {
        switch dimension {
        case .user: users
        case .serviceAccount: serviceAccounts
        case .sourceIP: sourceIPs
        case .namespace: namespaces
        case .resource: resources
        case .verb: verbs
        case .responseCode: responseCodes
        case .userAgent: userAgents
        }
    }
}
