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
        var number = 0
        var time = EventLine.baseTime
        func add(_ build: (inout Request) -> Void) {
            number += 1
            time += 3_000_000
            var request = Request(auditID: EventLine.auditID(number), verb: "get", user: alice, sourceIP: "10.8.0.14",
                                  userAgent: kubectl, received: time)
            build(&request)
            requests.append(request)
        }
        // Benign: a kubelet, a controller, alice reading.
        for index in 0..<6 {
            add {
                $0.user = "system:node:ip-10-0-1-23.ec2.internal"
                $0.sourceIP = "10.0.1.23"
                $0.userAgent = "kubelet/v1.31.2 (linux/amd64) kubernetes/5864a46"
                $0.resource = "configmaps"
                $0.namespace = "shop"
                $0.name = "frontend-flags-\(index % 2)"
            }
        }
        add {
            $0.verb = "list"
            $0.resource = "pods"
            $0.namespace = "shop"
        }
        // A privileged pod in kube-system.
        add {
            $0.verb = "create"
            $0.user = bob
            $0.sourceIP = "10.8.0.27"
            $0.resource = "pods"
            $0.namespace = "kube-system"
            $0.name = "debug-node"
            $0.code = 201
            $0.requestObject = ["kind": "Pod", "apiVersion": "v1", "metadata": ["name": "debug-node", "namespace": "kube-system"],
                                "spec": ["hostPID": true, "containers": [["name": "shell", "image": "busybox:1.36",
                                                                          "securityContext": ["privileged": true]]]]]
        }
        // An exec into a payments pod.
        add {
            $0.verb = "create"
            $0.resource = "pods"
            $0.namespace = "shop"
            $0.name = "payments-7d9f8b6c5-x2x9k"
            $0.subresource = "exec"
            $0.code = 101
        }
        // A secret sweep with curl: 20 different secrets, most refused.
        for index in 0..<20 {
            add {
                $0.user = "system:serviceaccount:shop:frontend"
                $0.sourceIP = "10.0.2.51"
                $0.userAgent = "curl/8.5.0"
                $0.resource = "secrets"
                $0.namespace = index % 3 == 0 ? "shop" : "payments"
                $0.name = "secret-\(index)"
                $0.code = index % 3 == 0 ? 200 : 403
            }
        }
        // A burst of failed authentication from one address.
        for _ in 0..<25 {
            add {
                $0.verb = "list"
                $0.user = "system:anonymous"
                $0.sourceIP = "203.0.113.77"
                $0.userAgent = "python-requests/2.32.3"
                $0.resource = "secrets"
                $0.namespace = "kube-system"
                $0.code = 401
            }
        }
        // A ClusterRole that grants everything.
        add {
            $0.verb = "create"
            $0.user = bob
            $0.sourceIP = "10.8.0.27"
            $0.resource = "clusterroles"
            $0.apiGroup = "rbac.authorization.k8s.io"
            $0.name = "ops-everything"
            $0.code = 201
            let role: [String: Any] = ["kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
                                       "metadata": ["name": "ops-everything"],
                                       "rules": [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]]]
            $0.requestObject = role
            $0.responseObject = role
        }
        return requests
    }

    static var lines: [String] { requests.map(\.json) }
}
