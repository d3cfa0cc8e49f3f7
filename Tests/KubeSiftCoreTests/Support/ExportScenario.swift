import Foundation

/// One incident written as native audit events that every export shape can carry in full: one
/// completed stage per request, one address, no groups or `extra`, paths without a query (GKE keeps
/// none of these). Benign traffic around a privileged pod, an exec, a secret sweep with a scripting
/// client, a 401 burst and a wildcard ClusterRole, so that single-event rules and correlations both fire.
enum ExportScenario {
    struct Request {
        var auditID: String
        var verb: String
        var user: String
        var sourceIP: String
        var userAgent: String
        var resource: String?
        var namespace: String?
        var name: String?
        var apiGroup = ""
        var subresource: String?
        var code = 200
        var received: Int64
        var requestObject: [String: Any]?
        var responseObject: [String: Any]?

        var uri: String {
            guard let resource else { return "/version" }
            var uri = apiGroup.isEmpty ? "/api/v1" : "/apis/\(apiGroup)/v1"
            if let namespace { uri += "/namespaces/\(namespace)" }
            uri += "/\(resource)"
            // A create is posted to its collection.
            if let name, verb != "create" || subresource != nil { uri += "/\(name)" }
            if let subresource { uri += "/\(subresource)" }
            return uri
        }

        var level: String { responseObject != nil ? "RequestResponse" : requestObject != nil ? "Request" : "Metadata" }

        var json: String {
            var event: [String: Any] = [
                "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level, "auditID": auditID,
                "stage": "ResponseComplete", "requestURI": uri, "verb": verb, "user": ["username": user],
                "sourceIPs": [sourceIP], "userAgent": userAgent,
                "requestReceivedTimestamp": EventLine.rfc3339(received),
                "stageTimestamp": EventLine.rfc3339(received + 2_500),
                "annotations": ["authorization.k8s.io/decision": code == 403 ? "forbid" : "allow",
                                "authorization.k8s.io/reason": ""],
            ]
            if let resource {
                var reference: [String: Any] = ["resource": resource, "apiVersion": "v1"]
                if let namespace { reference["namespace"] = namespace }
                if let name { reference["name"] = name }
                if !apiGroup.isEmpty { reference["apiGroup"] = apiGroup }
                if let subresource { reference["subresource"] = subresource }
                event["objectRef"] = reference
            }
            var status: [String: Any] = ["metadata": [String: Any](), "code": code]
            if code >= 400 {
                status["status"] = "Failure"
                status["reason"] = code == 401 ? "Unauthorized" : code == 403 ? "Forbidden" : "NotFound"
                status["message"] = code == 401 ? "Unauthorized" : "\(resource ?? "") \"\(name ?? "")\" is forbidden"
            }
            event["responseStatus"] = status
            if let requestObject { event["requestObject"] = requestObject }
            if let responseObject { event["responseObject"] = responseObject }
            let data = try! JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    static let alice = "alice@example.com"
    static let bob = "bob@example.com"
    static let kubectl = "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"

    /// The requests, in time order.
    static var requests: [Request] {
        var requests: [Request] = []
        func add(_ count: Int = 1, verb: String = "get", user: String = alice, ip: String = "10.8.0.14",
                 agent: String = kubectl, _ resource: String? = nil, in namespace: String? = nil,
                 name: (Int) -> String? = { _ in nil }, group: String = "", subresource: String? = nil,
                 code: (Int) -> Int = { _ in 200 }, body: [String: Any]? = nil, responseBody: [String: Any]? = nil)
        {
            for index in 0..<count {
                let number = requests.count + 1
                requests.append(Request(
                    auditID: EventLine.auditID(number), verb: verb, user: user, sourceIP: ip, userAgent: agent,
                    resource: resource, namespace: namespace, name: name(index), apiGroup: group,
                    subresource: subresource, code: code(index), received: EventLine.baseTime + Int64(number) * 3_000_000,
                    requestObject: body, responseObject: responseBody))
            }
        }
        // Benign: a kubelet reading configmaps, alice listing pods.
        add(6, user: "system:node:ip-10-0-1-23.ec2.internal", ip: "10.0.1.23",
            agent: "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46", "configmaps", in: "shop",
            name: { "frontend-flags-\($0 % 2)" })
        add(verb: "list", "pods", in: "shop")
        // A privileged pod in kube-system.
        add(verb: "create", user: bob, ip: "10.8.0.27", "pods", in: "kube-system", name: { _ in "debug-node" },
            code: { _ in 201 }, body: [
                "kind": "Pod", "apiVersion": "v1", "metadata": ["name": "debug-node", "namespace": "kube-system"],
                "spec": ["hostPID": true, "containers": [["name": "shell", "image": "busybox:1.36",
                                                          "securityContext": ["privileged": true]]]],
            ])
        // An exec into a payments pod.
        add(verb: "create", "pods", in: "shop", name: { _ in "payments-7d9f8b6c5-x2x9k" }, subresource: "exec",
            code: { _ in 101 })
        // A secret sweep with curl: 20 different secrets, those of other namespaces refused.
        for (namespace, count, code) in [("shop", 7, 200), ("payments", 13, 403)] {
            add(count, user: "system:serviceaccount:shop:frontend", ip: "10.0.2.51", agent: "curl/8.5.0", "secrets",
                in: namespace, name: { "\(namespace)-secret-\($0)" }, code: { _ in code })
        }
        // A burst of failed authentication from one address.
        add(25, verb: "list", user: "system:anonymous", ip: "203.0.113.77", agent: "python-requests/2.32.3", "secrets",
            in: "kube-system", code: { _ in 401 })
        // A ClusterRole that grants everything.
        let role: [String: Any] = ["kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
                                   "metadata": ["name": "ops-everything"],
                                   "rules": [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]]]
        add(verb: "create", user: bob, ip: "10.8.0.27", "clusterroles", name: { _ in "ops-everything" },
            group: "rbac.authorization.k8s.io", code: { _ in 201 }, body: role, responseBody: role)
        return requests
    }

    static var lines: [String] { requests.map(\.json) }
}
