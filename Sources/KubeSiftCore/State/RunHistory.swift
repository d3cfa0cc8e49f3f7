/// A request a correlation counted, kept past the run that read it because its window was still
/// open: the next run counts it again, so an episode split across two runs is one finding.
///
/// Rules are named by id, not by their position in one run's rule set, which the next run's
/// `--rules` and `--disable` may change.
package struct CarriedRequest: Sendable, Codable, Equatable {
    package var ruleID: String
    /// Per correlation key of the request, the id of the correlation it feeds.
    package var correlationIDs: [String]
    var request: MatchedRequest

    package var time: Timestamp? { request.summary.time }
    package var auditID: String { request.summary.auditID }

    init(ruleID: String, correlationIDs: [String], request: MatchedRequest) {
        self.ruleID = ruleID
        self.correlationIDs = correlationIDs
        self.request = request
    }

    /// Gives carried requests the indices of this run's rules.
    struct Resolver {
        let rules: RuleSet
        private let ruleIndex: [String: Int]
        private let correlationIndex: [String: Int]

        init(_ rules: RuleSet) {
            self.rules = rules
            ruleIndex = Dictionary(rules.detections.enumerated().map { ($1.metadata.id, $0) }, uniquingKeysWith: { first, _ in first })
            correlationIndex = Dictionary(rules.correlations.enumerated().map { ($1.rule.metadata.id, $0) },
                                          uniquingKeysWith: { first, _ in first })
        }

        /// The request with indices into the rules; nil when its rule or every correlation it fed is gone.
        func resolve(_ carried: CarriedRequest) -> MatchedRequest? {
            guard let rule = ruleIndex[carried.ruleID] else { return nil }
            var resolved = carried.request
            resolved.rule = rule
            resolved.keys = zip(carried.request.keys, carried.correlationIDs).compactMap { key, id in
                guard let correlation = correlationIndex[id], key.slot < rules.correlations[correlation].baseRules.count,
                      rules.correlations[correlation].baseRules[key.slot] == rule else { return nil }
                var key = key
                key.correlation = correlation
                return key
            }
            return resolved.keys.isEmpty ? nil : resolved
        }
    }
}

extension CarriedRequest: Comparable {
    /// In time order, then by audit ID and rule: the state stores them the same way every time.
    package static func < (lhs: CarriedRequest, rhs: CarriedRequest) -> Bool {
        (lhs.time?.microseconds ?? 0, lhs.auditID, lhs.ruleID) < (rhs.time?.microseconds ?? 0, rhs.auditID, rhs.ruleID)
    }

    package static func == (lhs: CarriedRequest, rhs: CarriedRequest) -> Bool {
        (lhs.time, lhs.auditID, lhs.ruleID, lhs.correlationIDs) == (rhs.time, rhs.auditID, rhs.ruleID, rhs.correlationIDs)
    }
}

/// How a finding was judged by a reviewer (`kubesift findings ack|false-positive|incident`).
package struct Disposition: Sendable, Equatable, Codable {
    package enum Kind: String, Sendable, Codable, CaseIterable {
        /// Seen and accepted: expected activity, or handled.
        case acknowledged
        /// Not what the rule means to find; not counted as a control exception.
        case falsePositive = "false-positive"
        /// A security incident, handled under the incident response plan.
        case incident
    }

    package var kind: Kind
    package var by: String
    package var at: Timestamp
    package var reason: String

    package init(kind: Kind, by: String, at: Timestamp, reason: String) {
        self.kind = kind
        self.by = by
        self.at = at
        self.reason = reason
    }
}

/// What earlier runs leave to an incremental one, read from the state before it starts.
package struct RunHistory: Sendable {
    /// Requests whose correlation windows were open when the last run ended.
    package var carried = CarriedRequestBlocks()
    /// Every finding id reported before, with the episode it belongs to (see ``Finding/episode``).
    package var reported: [String: String] = [:]
    /// Per episode, the id of the finding that first reported it.
    package var episodes: [String: String] = [:]
    /// The latest disposition of each finding id.
    package var dispositions: [String: Disposition] = [:]
    /// A full re-run of a period shows every finding again, as a report of that period must;
    /// an incremental run leaves out what an earlier run reported.
    package var showsReported = false

    package init() {}
}

/// What the history of earlier runs changed in this one.
package struct HistoryOutcome: Sendable, Equatable {
    /// Requests carried in from the last run's open correlation windows.
    package var carriedIn = 0
    /// Findings first reported by this run.
    package var newFindings: [String] = []
    /// Findings that continue an episode an earlier run reported.
    package var continued = 0
    /// Findings an earlier run reported as they are, left out of this run's report.
    package var alreadyReported = 0
}

extension AnalysisResult {
    /// Marks what earlier runs reported (left out, or shown as continued) and what reviewers said.
    mutating func apply(_ history: RunHistory) {
        var outcome = HistoryOutcome(carriedIn: history.carried.count)
        var kept: [Finding] = []
        for var finding in findings {
            let reported = history.reported[finding.id] != nil
            if reported, !history.showsReported {
                outcome.alreadyReported += 1
                continue
            }
            if let first = history.episodes[finding.episode], first != finding.id {
                finding.continues = first
                outcome.continued += 1
            } else if !reported {
                outcome.newFindings.append(finding.id)
            }
            finding.disposition = history.dispositions[finding.id] ?? finding.continues.flatMap { history.dispositions[$0] }
            kept.append(finding)
        }
        findings = kept
        self.history = outcome
    }
}
