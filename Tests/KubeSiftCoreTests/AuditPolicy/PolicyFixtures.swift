/// Audit policies to lint, each as its file would hold it (line numbers count from its first line).
/// The first lines of each say where its rules come from; the YAML is written here from them.
enum PolicyFixtures {
    static let kubernetesDocsExample = """
        # The example policy of the Kubernetes documentation, "Auditing" task page
        # (https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/, content/en/examples/audit/audit-policy.yaml
        # in kubernetes/website), written again here from its documented rules.
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages:
          - "RequestReceived"
        rules:
          - level: RequestResponse
            resources:
            - group: ""
              resources: ["pods"]
          - level: Metadata
            resources:
            - group: ""
              resources: ["pods/log", "pods/status"]
          - level: None
            resources:
            - group: ""
              resources: ["configmaps"]
              resourceNames: ["controller-leader"]
          - level: None
            users: ["system:kube-proxy"]
            verbs: ["watch"]
            resources:
            - group: ""
              resources: ["endpoints", "services"]
          - level: None
            userGroups: ["system:authenticated"]
            nonResourceURLs:
            - "/api*"
            - "/version"
          - level: Request
            resources:
            - group: ""
              resources: ["configmaps"]
            namespaces: ["kube-system"]
          - level: Metadata
            resources:
            - group: ""
              resources: ["secrets", "configmaps"]
          - level: Request
            resources:
            - group: ""
            - group: "extensions"
          - level: Metadata
            omitStages:
              - "RequestReceived"
        """

    static let gkeDefault = """
        # The policy GKE's control plane is started with: create-master-audit-policy in
        # cluster/gce/gci/configure-helper.sh of kubernetes/kubernetes, which GKE's "Audit policy" page
        # (https://cloud.google.com/kubernetes-engine/docs/concepts/audit-policy) points to. Written again
        # here from its rules, known_apis expanded.
        apiVersion: audit.k8s.io/v1
        kind: Policy
        rules:
          - level: None
            users: ["system:kube-proxy"]
            verbs: ["watch"]
            resources:
              - group: ""
                resources: ["endpoints", "services", "services/status"]
          - level: None
            users: ["system:unsecured"]
            namespaces: ["kube-system"]
            verbs: ["get"]
            resources:
              - group: ""
                resources: ["configmaps"]
          - level: None
            users: ["kubelet"]
            verbs: ["get"]
            resources:
              - group: ""
                resources: ["nodes", "nodes/status"]
          - level: None
            userGroups: ["system:nodes"]
            verbs: ["get"]
            resources:
              - group: ""
                resources: ["nodes", "nodes/status"]
          - level: None
            users:
              - system:kube-controller-manager
              - system:cloud-controller-manager
              - system:kube-scheduler
              - system:serviceaccount:kube-system:endpoint-controller
            verbs: ["get", "update"]
            namespaces: ["kube-system"]
            resources:
              - group: ""
                resources: ["endpoints"]
          - level: None
            users: ["system:apiserver"]
            verbs: ["get"]
            resources:
              - group: ""
                resources: ["namespaces", "namespaces/status", "namespaces/finalize"]
          - level: None
            users: ["cluster-autoscaler"]
            verbs: ["get", "update"]
            namespaces: ["kube-system"]
            resources:
              - group: ""
                resources: ["configmaps", "endpoints"]
          - level: None
            users:
              - system:kube-controller-manager
              - system:cloud-controller-manager
            verbs: ["get", "list"]
            resources:
              - group: "metrics.k8s.io"
          - level: None
            nonResourceURLs:
              - /healthz*
              - /version
              - /swagger*
          - level: None
            resources:
              - group: ""
                resources: ["events"]
          - level: Request
            users: ["kubelet", "system:node-problem-detector", "system:serviceaccount:kube-system:node-problem-detector"]
            verbs: ["update", "patch"]
            resources:
              - group: ""
                resources: ["nodes/status", "pods/status"]
            omitStages: ["RequestReceived"]
          - level: Request
            userGroups: ["system:nodes"]
            verbs: ["update", "patch"]
            resources:
              - group: ""
                resources: ["nodes/status", "pods/status"]
            omitStages: ["RequestReceived"]
          - level: Request
            users: ["system:serviceaccount:kube-system:namespace-controller"]
            verbs: ["deletecollection"]
            omitStages: ["RequestReceived"]
          - level: Metadata
            resources:
              - group: ""
                resources: ["secrets", "configmaps", "serviceaccounts/token"]
              - group: authentication.k8s.io
                resources: ["tokenreviews"]
            omitStages: ["RequestReceived"]
          - level: Request
            verbs: ["get", "list", "watch"]
            resources: &known_apis
              - group: ""
              - group: "admissionregistration.k8s.io"
              - group: "apiextensions.k8s.io"
              - group: "apiregistration.k8s.io"
              - group: "apps"
              - group: "authentication.k8s.io"
              - group: "authorization.k8s.io"
              - group: "autoscaling"
              - group: "batch"
              - group: "certificates.k8s.io"
              - group: "extensions"
              - group: "metrics.k8s.io"
              - group: "networking.k8s.io"
              - group: "node.k8s.io"
              - group: "policy"
              - group: "rbac.authorization.k8s.io"
              - group: "scheduling.k8s.io"
              - group: "storage.k8s.io"
            omitStages: ["RequestReceived"]
          - level: RequestResponse
            resources: *known_apis
            omitStages: ["RequestReceived"]
          - level: Metadata
            omitStages: ["RequestReceived"]
        """

    static let metadataOnly = """
        # Everything at Metadata: who did what to which object, never a body.
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: ["RequestReceived"]
        rules:
          - level: Metadata
        """

    static let mistakes = """
        # Every mistake policy lint knows, one rule each.
        apiVersion: audit.k8s.io/v1
        kind: Policy
        rules:
          - level: RequestResponse
            resources:
              - group: ""
                resources: ["secrets"]
          - level: None
            userGroups: ["system:serviceaccounts"]
          - level: Metadata
            resources:
              - group: ""
                resources: ["pods/exec", "pods/attach"]
            omitStages: ["ResponseStarted"]
          - level: Request
            resources:
              - group: ""
          - level: Metadata
            resources:
              - group: ""
                resources: ["configmaps"]
        """

    static let all: [String: String] = [
        "kubernetes-docs-example.yaml": kubernetesDocsExample,
        "gke-default.yaml": gkeDefault,
        "metadata-only.yaml": metadataOnly,
        "mistakes.yaml": mistakes,
    ]
}
