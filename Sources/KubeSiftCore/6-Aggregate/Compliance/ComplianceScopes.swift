import Foundation

/// Which namespaces are in each compliance scope (`--scope cde=shop,pay-*`). A scope nobody
/// declared covers every namespace, and the report says so.
package struct ComplianceScopes: Sendable, Equatable {
    /// Namespace globs (Sigma wildcards: `*`, `?`) per declared scope.
    package private(set) var declared: [ScopeKind: [String]] = [:]

    package init() {}

    /// Parses `name=glob,glob` arguments; a scope named twice gets the globs of both.
    package init(parsing arguments: [String]) throws(ComplianceOptionError) {
        let names = ScopeKind.allCases.filter { $0 != .all }.map(\.rawValue)
        for argument in arguments {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let kind = ScopeKind(rawValue: String(parts[0])), kind != .all else {
                throw ComplianceOptionError(
                    "--scope `\(argument)`: write NAME=NAMESPACE_GLOB,…, NAME one of \(names.joined(separator: ", ")) (e.g. cde=payments,checkout-*)")
            }
            let globs = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !globs.isEmpty else { throw ComplianceOptionError("--scope `\(argument)` names no namespace") }
            for glob in globs where !(declared[kind] ?? []).contains(glob) { declared[kind, default: []].append(glob) }
        }
    }

    package func isDeclared(_ kind: ScopeKind) -> Bool { kind != .all && declared[kind] != nil }

    /// The globs of a scope; `*` when undeclared.
    package func namespaces(of kind: ScopeKind) -> [String] { isDeclared(kind) ? declared[kind]! : ["*"] }

    /// Whether something in `namespace` is in the scope. Cluster-scoped objects and requests
    /// (no namespace) concern every namespace, so they are in every scope.
    package func contains(namespace: String?, in kind: ScopeKind) -> Bool {
        guard let namespace, isDeclared(kind) else { return true }
        return declared[kind]!.contains { GlobPattern(sigma: $0, cased: true).matches(namespace) }
    }
}
