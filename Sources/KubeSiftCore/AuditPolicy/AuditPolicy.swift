import Yams

/// An `audit.k8s.io/v1` Policy: the rules kube-apiserver's `--audit-policy-file` decides each
/// request's audit level with, the first rule that matches winning.
package struct AuditPolicy: Sendable, Equatable {
    /// Stages no event is written for, whatever rule matches.
    package var omitStages: [String]
    package var rules: [Rule]

    /// A policy level: an audit level, or `None` (no event at all).
    package enum Level: Sendable, Equatable, Comparable {
        case none
        case logged(AuditLevel)

        package var name: String {
            switch self {
            case .none: "None"
            case let .logged(level): level.rawValue
            }
        }

        private var rank: Int {
            switch self {
            case .none: 0
            case .logged(.metadata): 1
            case .logged(.request): 2
            case .logged(.requestResponse): 3
            }
        }

        package static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    /// Kubernetes' `GroupResources`: resources of one API group (`""` is the core group).
    package struct GroupResources: Sendable, Equatable {
        package var group: String
        /// `pods`, `pods/exec`, `*`, `*/status`, `deployments/*`; empty: every resource of the group.
        package var resources: [String]
        package var resourceNames: [String]
    }

    package struct Rule: Sendable, Equatable {
        package var level: Level
        package var users: [String]
        package var userGroups: [String]
        package var verbs: [String]
        package var resources: [GroupResources]
        package var namespaces: [String]
        package var nonResourceURLs: [String]
        package var omitStages: [String]
        /// Where the rule starts in the file, 1-based.
        package var line: Int

        /// Whether the rule matches every request: nothing narrows it.
        package var isCatchAll: Bool {
            users.isEmpty && userGroups.isEmpty && verbs.isEmpty && resources.isEmpty && namespaces.isEmpty
                && nonResourceURLs.isEmpty
        }
    }

    /// A request as a policy sees it.
    package struct Request: Sendable {
        package var user: String
        package var groups: [String]
        package var verb: String
        /// The API group, resource and subresource; nil for a non-resource URL.
        package var resource: (group: String, resource: String, subresource: String?)?
        package var namespace: String?
        package var name: String?
        package var path: String?

        package init(user: String, groups: [String], verb: String, resource: (group: String, resource: String, subresource: String?)?,
                     namespace: String? = nil, name: String? = nil, path: String? = nil)
        {
            self.user = user
            self.groups = groups
            self.verb = verb
            self.resource = resource
            self.namespace = namespace
            self.name = name
            self.path = path
        }
    }

    /// The index of the first rule that matches the request, as kube-apiserver's policy checker
    /// decides it; nil when none does (the request is not logged).
    package func firstRule(for request: Request) -> Int? {
        rules.firstIndex { $0.matches(request) }
    }

    /// The stages no event is written for when `rule` decides.
    package func omittedStages(by rule: Int) -> Set<String> {
        Set(omitStages).union(rules[rule].omitStages)
    }
}

extension AuditPolicy.Rule {
    /// Kubernetes' `ruleMatches`: every selector given must match; a rule with resources matches
    /// resource requests only, one with non-resource URLs the others only.
    func matches(_ request: AuditPolicy.Request) -> Bool {
        if !users.isEmpty, !users.contains(request.user) { return false }
        if !userGroups.isEmpty, !userGroups.contains(where: request.groups.contains) { return false }
        if !verbs.isEmpty, !verbs.contains(request.verb) { return false }
        if let resource = request.resource {
            if !nonResourceURLs.isEmpty { return false }
            if !namespaces.isEmpty, !namespaces.contains(request.namespace ?? "") { return false }
            guard !resources.isEmpty else { return true }
            let combined = resource.subresource.map { "\(resource.resource)/\($0)" } ?? resource.resource
            return resources.contains { groupResources in
                guard groupResources.group == resource.group else { return false }
                if groupResources.resources.isEmpty { return true }
                if !groupResources.resourceNames.isEmpty, !groupResources.resourceNames.contains(request.name ?? "") { return false }
                return groupResources.resources.contains { pattern in
                    if pattern == combined || pattern == "*" { return true }
                    if let subresource = resource.subresource, pattern == "*/" + subresource { return true }
                    return pattern.hasSuffix("/*") && pattern.dropLast(2) == resource.resource
                }
            }
        }
        if !resources.isEmpty || !namespaces.isEmpty { return false }
        guard !nonResourceURLs.isEmpty else { return true }
        let path = request.path ?? ""
        return nonResourceURLs.contains { pattern in
            pattern == "*" || pattern == path || (pattern.hasSuffix("*") && path.hasPrefix(pattern.dropLast()))
        }
    }
}

extension AuditPolicy {
    /// Reads the policy file at `path`.
    package static func load(path: String) throws(FileProblem) -> AuditPolicy {
        let read = YAMLSource.files(at: path)
        if let problem = read.problems.first { throw problem }
        guard read.files.count == 1, let file = read.files.first else {
            throw FileProblem(file: path, line: 0, column: 0, message: "is not one policy file")
        }
        return try parse(file.text, file: path)
    }

    /// Reads a policy from YAML text; every problem names its line and column.
    package static func parse(_ text: String, file: String) throws(FileProblem) -> AuditPolicy {
        let reader = YAMLSource.Reader(file: file)
        let root: Node
        do {
            guard let node = try YAMLSource.parser(text, resolver: .default).singleRoot() else {
                throw reader.fail(nil, "the file is empty")
            }
            root = node
        } catch let problem as FileProblem {
            throw problem
        } catch {
            throw YAMLSource.problem(from: error, file: file)
        }
        let top = try reader.mapping(root, "a policy")
        let kind = try reader.string(top["kind"], "kind")
        let apiVersion = try reader.string(top["apiVersion"], "apiVersion")
        guard kind == "Policy", apiVersion == "audit.k8s.io/v1" || apiVersion == "audit.k8s.io/v1beta1" else {
            throw reader.fail(root, "not an audit policy: kind \(kind), apiVersion \(apiVersion) (expected Policy, audit.k8s.io/v1)")
        }
        try reader.onlyKeys(top, ["apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields"], in: "a policy")
        guard let ruleNodes = top["rules"]?.sequence, !ruleNodes.isEmpty else {
            throw reader.fail(top["rules"] ?? root, "a policy needs a list of rules")
        }
        var rules: [Rule] = []
        for node in ruleNodes {
            let mapping = try reader.mapping(node, "a rule")
            try reader.onlyKeys(mapping, ["level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs",
                                          "omitStages", "omitManagedFields"], in: "a rule")
            let levelName = try reader.string(mapping["level"], "level")
            let level: Level
            if levelName == "None" {
                level = .none
            } else if let known = AuditLevel(rawValue: levelName) {
                level = .logged(known)
            } else {
                throw reader.fail(mapping["level"], "level `\(levelName)` is not None, Metadata, Request or RequestResponse")
            }
            var resources: [GroupResources] = []
            for groupNode in mapping["resources"]?.sequence ?? [] {
                let group = try reader.mapping(groupNode, "a resources entry")
                try reader.onlyKeys(group, ["group", "resources", "resourceNames"], in: "a resources entry")
                resources.append(GroupResources(group: group["group"].map { $0.scalar?.string ?? "" } ?? "",
                                                resources: try reader.strings(group["resources"], "resources"),
                                                resourceNames: try reader.strings(group["resourceNames"], "resourceNames")))
            }
            let rule = Rule(
                level: level, users: try reader.strings(mapping["users"], "users"),
                userGroups: try reader.strings(mapping["userGroups"], "userGroups"),
                verbs: try reader.strings(mapping["verbs"], "verbs"), resources: resources,
                namespaces: try reader.strings(mapping["namespaces"], "namespaces"),
                nonResourceURLs: try reader.strings(mapping["nonResourceURLs"], "nonResourceURLs"),
                omitStages: try reader.strings(mapping["omitStages"], "omitStages"), line: node.mark?.line ?? 0)
            if !rule.resources.isEmpty, !rule.nonResourceURLs.isEmpty {
                throw reader.fail(node, "a rule cannot have both resources and nonResourceURLs")
            }
            rules.append(rule)
        }
        return AuditPolicy(omitStages: try reader.strings(top["omitStages"], "omitStages"), rules: rules)
    }
}
