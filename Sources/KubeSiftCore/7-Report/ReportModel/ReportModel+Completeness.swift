extension ReportModel.Completeness {
    /// One cluster's gaps, clock anomalies, PCI DSS 10.2.2 fields and days covered.
    package struct Cluster: Sendable, Encodable {
        package var name: String
        package var facts: [ReportModel.Fact]
        package var gapNote: String
        package var gaps: [Gap]
        package var clock: [Clock]
        package var fields: [Field]

        package struct Gap: Sendable, Encodable {
            package var from: String
            package var to: String
            package var duration: String
            package var lastBefore: String
            package var firstAfter: String
        }

        package struct Clock: Sendable, Encodable {
            package var anomaly: String
            package var events: String
            package var largest: String
            package var examples: String
        }

        package struct Field: Sendable, Encodable {
            package var element: String
            package var fields: String
            package var share: String
            package var events: String
        }
    }
}

extension ReportModel.Completeness.Cluster {
    init(_ cluster: ClusterCompleteness, inputs: [ReportDocument.Input]) {
        let format = ReportFormatting.self
        name = cluster.cluster ?? "(no cluster label)"
        let damaged = inputs.filter { $0.cluster == cluster.cluster && $0.problems.contains(where: \.dataLoss) }.count
        let retention = cluster.retention
        facts = [
            .init(label: "Events read in the window", value: "\(format.count(cluster.eventsRead)), copies included (duplicates are counted above)"),
            .init(label: "Logging starts", value: cluster.started.map { "\(format.time($0.time)) at \(format.location($0.at))" } ?? "–"),
            .init(label: "Logging stops", value: cluster.stopped.map { "\(format.time($0.time)) at \(format.location($0.at))" } ?? "–"),
            .init(label: "Gap threshold", value: "\(format.duration(microseconds: cluster.gapThreshold.microseconds)), \(cluster.gapThreshold.basis)"),
            .init(label: "Gaps", value: cluster.gapCount == 0 ? "none"
                : "\(format.count(cluster.gapCount)), \(format.duration(microseconds: cluster.gapTotal)) in all"),
            .init(label: "Inputs that lost data", value: "\(format.count(damaged)) (see Problems with inputs)"),
            .init(label: "Days covered (PCI DSS 10.5.1)", value: retention.end.map { end in
                "\(retention.daysCoveredOf365) of the 365 and \(retention.daysCoveredOf90) of the 90 days before \(format.time(end)); "
                    + "first day with events \(retention.firstDay ?? "–")"
            } ?? "–"),
        ]
        gapNote = cluster.gapCount > cluster.gaps.count
            ? "The first \(cluster.gaps.count) of \(format.count(cluster.gapCount)) gaps." : ""
        gaps = cluster.gaps.map { gap in
            Gap(from: format.time(gap.from), to: format.time(gap.to), duration: format.duration(microseconds: gap.microseconds),
                lastBefore: gap.lastBefore.map(format.location) ?? "start of the window",
                firstAfter: gap.firstAfter.map(format.location) ?? "end of the window")
        }
        func row(_ anomaly: String, _ found: ClusterCompleteness.Anomaly) -> Clock {
            Clock(anomaly: anomaly, events: format.count(found.count),
                  largest: found.count == 0 ? "–" : format.duration(microseconds: found.largest),
                  examples: found.examples.map { "\(format.location($0.at)) (\(format.duration(microseconds: $0.microseconds)))" }
                      .joined(separator: ", "))
        }
        clock = [
            row("stageTimestamp before requestReceivedTimestamp", cluster.clock.stageBeforeRequest),
            row("written more than a minute before the event above it in the API server's own log", cluster.clock.outOfOrder),
        ]
        fields = cluster.fields.map { field in
            let share = field.of == 0 ? "–" : "\(field.events * 1000 / field.of / 10).\(field.events * 1000 / field.of % 10) %"
            return Field(element: field.element, fields: field.fields.joined(separator: ", "), share: share,
                         events: "\(format.count(field.events)) of \(format.count(field.of))")
        }
    }
}
