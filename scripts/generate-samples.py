#!/usr/bin/env python3
"""Regenerate the KubeSift sample audit archives of the made-up cluster `shop-prod`.

    python3 scripts/generate-samples.py

Writes everything under samples/shop-prod/, plus samples/.truth.json and
samples/README.md.  All randomness comes from one seeded generator and every
archive is written with fixed metadata (gzip mtime 0 and no file name, fixed tar
and zip entry times and owners), so two runs produce byte-identical files on the
same zlib/zstd versions.  Needs Python 3.11+ (stdlib only) and the `zstd` CLI.

Events follow kube-apiserver's audit.k8s.io/v1 output as written by Go's
encoding/json: struct field order, sorted map keys, and `&`, `<`, `>` escaped as
\\u0026, \\u003c, \\u003e.  No Secret data, token or password appears anywhere:
secrets are only ever audited at Metadata level.
"""

import gzip
import hashlib
import io
import json
import os
import random
import subprocess
import tarfile
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

SEED = 20261121
rng = random.Random(SEED)

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples")
OUT = os.path.join(HERE, "shop-prod")

# --------------------------------------------------------------------------
# time helpers: integer microseconds since the epoch
# --------------------------------------------------------------------------
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MS = 1_000
SEC = 1_000_000
MIN = 60 * SEC
HOUR = 60 * MIN


def T(s):
    d = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int((d - EPOCH).total_seconds()) * SEC


def J(s):
    """T(s) plus a random sub-second offset, for scripted activity."""
    return T(s) + rng.randrange(SEC)


def rfc(us):
    """metav1.MicroTime: RFC3339 with exactly six fractional digits."""
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rfc_s(us):
    """metav1.Time: RFC3339, whole seconds."""
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%SZ")


DAY1 = T("2026-11-20T00:00:00")
ROT_ZST = T("2026-11-20T15:00:00")       # .zst rotated here
ROT_GZ = T("2026-11-21T03:00:00")        # .gz rotated here; audit.log starts
LIVE_END = T("2026-11-21T18:00:00")      # audit.log copied at this moment
HOOK_END = T("2026-11-21T21:00:00")      # last webhook batch
CP2_ROT1 = T("2026-11-20T12:00:00")
CP2_END = T("2026-11-21T00:00:00")
WINDOWS = {"cp1": (DAY1, HOOK_END), "cp2": (DAY1, CP2_END)}

# --------------------------------------------------------------------------
# identifiers
# --------------------------------------------------------------------------


def uid4():
    """Fresh auditID: a uuid4 drawn from the seeded generator."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def det_uuid(key):
    """Stable uuid4-shaped id for an object (same key -> same uid)."""
    h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:16], "big")
    return str(uuid.UUID(int=h, version=4))


_ALNUM = "bcdfghjklmnpqrstvwxz2456789"  # k8s rand.String alphabet


def det_suffix(key, n):
    h = hashlib.sha256(key.encode()).digest()
    return "".join(_ALNUM[b % len(_ALNUM)] for b in h[:n])


def rv_at(t):
    """A plausible, monotonic etcd resourceVersion for time t."""
    return str(48_213_377 + (t - DAY1) // (350 * MS))


# --------------------------------------------------------------------------
# the cluster
# --------------------------------------------------------------------------
K8S = "v1.31.2"
COMMIT = "5864a46"
CP_IP = {"cp1": "10.0.0.11", "cp2": "10.0.0.12"}
NODES = ["ip-10-0-1-23.ec2.internal", "ip-10-0-2-47.ec2.internal", "ip-10-0-3-112.ec2.internal"]
NODE_IP = {n: n[3:].split(".")[0].replace("-", ".") for n in NODES}
NODE_SERVER = {NODES[0]: "cp1", NODES[1]: "cp2", NODES[2]: "cp2"}
LB_IPS = ["10.0.0.5", "10.0.0.6"]
ALICE_IP = "10.8.0.14"     # VPN
BOB_IP = "10.8.0.27"       # VPN
ATTACKER_IP = "203.0.113.77"


def ua(component, suffix=""):
    s = f"{component}/{K8S} (linux/amd64) kubernetes/{COMMIT}"
    return s + suffix


UA_KUBELET = ua("kubelet")
UA_KCM_LE = ua("kube-controller-manager", "/leader-election")
UA_SCHED_LE = ua("kube-scheduler", "/leader-election")
UA_SCHED = ua("kube-scheduler", "/scheduler")
UA_KCM = ua("kube-controller-manager")
UA_KUBECTL_BOB = ua("kubectl")
UA_KUBECTL_ALICE = "kubectl/v1.31.1 (darwin/arm64) kubernetes/948afe5"
UA_KUBECTL_CI = "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"
UA_PROM = "Prometheus/2.54.1"
UA_COREDNS = "coredns/v1.11.3 (linux/amd64) kubernetes/$Format"
UA_FRONTEND = "frontend/v0.0.0 (linux/amd64) kubernetes/$Format"
UA_CA = "cluster-autoscaler/v1.31.0 (linux/amd64) kubernetes/$Format"
UA_ELB = "ELB-HealthChecker/2.0"
UA_PROBE = "kube-probe/1.31"


def kcm_ctrl_ua(ctrl):
    return ua("kube-controller-manager", f"/system:serviceaccount:kube-system:{ctrl}")


def node_user(n):
    return {"username": f"system:node:{n}", "groups": ["system:nodes", "system:authenticated"]}


KCM = {"username": "system:kube-controller-manager", "groups": ["system:authenticated"]}
SCHED = {"username": "system:kube-scheduler", "groups": ["system:authenticated"]}
ANON = {"username": "system:anonymous", "groups": ["system:unauthenticated"]}
ALICE = {"username": "alice@example.com", "groups": ["oidc:sre", "system:authenticated"]}
BOB = {"username": "bob@example.com", "groups": ["oidc:platform", "system:authenticated"]}


def sa_user(ns, name, t, pod=None, node=None):
    """A service account authenticated with a bound (TokenRequest) token.

    Tokens are refreshed roughly every 48 minutes, so the credential-id (JTI)
    changes over time; pod-bound tokens also carry pod/node info."""
    bucket = (t - DAY1) // (48 * MIN)
    extra = {"authentication.kubernetes.io/credential-id":
             ["JTI=" + det_uuid(f"jti/{ns}/{name}/{pod}/{bucket}")]}
    if pod:
        extra["authentication.kubernetes.io/node-name"] = [node]
        extra["authentication.kubernetes.io/node-uid"] = [det_uuid("node/" + node)]
        extra["authentication.kubernetes.io/pod-name"] = [pod]
        extra["authentication.kubernetes.io/pod-uid"] = [det_uuid(f"pod/{ns}/{pod}")]
    return {"username": f"system:serviceaccount:{ns}:{name}",
            "uid": det_uuid(f"sa/{ns}/{name}"),
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"],
            "extra": dict(sorted(extra.items()))}


def ctrl_user(ctrl, t):
    return sa_user("kube-system", ctrl, t)


# RBAC reasons, formatted exactly like the RBAC authorizer does
def crb(binding, role, subj):
    return f'RBAC: allowed by ClusterRoleBinding "{binding}" of ClusterRole "{role}" to {subj}'


def rb(binding, ns, kind, role, subj):
    return f'RBAC: allowed by RoleBinding "{binding}/{ns}" of {kind} "{role}" to {subj}'


R_NODE = ""  # Node authorizer allows with an empty reason
R_ALICE = crb("sre-cluster-admin", "cluster-admin", 'Group "oidc:sre"')
R_BOB = crb("platform-admins", "cluster-admin", 'Group "oidc:platform"')
R_KCM = crb("system:kube-controller-manager", "system:kube-controller-manager", 'User "system:kube-controller-manager"')
R_SCHED = crb("system:kube-scheduler", "system:kube-scheduler", 'User "system:kube-scheduler"')
R_PROM = crb("prometheus", "prometheus", 'ServiceAccount "prometheus/monitoring"')
R_COREDNS = crb("system:coredns", "system:coredns", 'ServiceAccount "coredns/kube-system"')
R_FRONTEND = rb("frontend", "shop", "Role", "frontend", 'ServiceAccount "frontend/shop"')
R_CI = rb("ci-deployer", "shop", "ClusterRole", "edit", 'ServiceAccount "deployer/ci"')
R_CA = rb("cluster-autoscaler", "kube-system", "Role", "cluster-autoscaler", 'ServiceAccount "cluster-autoscaler/kube-system"')
R_ISTIOD = crb("istiod-clusterrole-istio-system", "istiod-clusterrole-istio-system", 'ServiceAccount "istiod/istio-system"')
R_KUBE_PROXY = crb("kubeadm:node-proxier", "system:node-proxier", 'ServiceAccount "kube-proxy/kube-system"')
R_PUBLIC = crb("system:public-info-viewer", "system:public-info-viewer", 'Group "system:unauthenticated"')
R_DISCOVERY = crb("system:discovery", "system:discovery", 'Group "system:authenticated"')


def r_ctrl(ctrl):
    return crb(f"system:controller:{ctrl}", f"system:controller:{ctrl}", f'ServiceAccount "{ctrl}/kube-system"')


# --------------------------------------------------------------------------
# event construction
# --------------------------------------------------------------------------
STREAMS = {"cp1": [], "cp2": []}   # (stageTimestamp, seq, event)
PLANTED = {}                       # scenario id -> [auditIDs]
_seq = [0]


def oref(resource, ns=None, name=None, group="", version="v1", sub=None, uid=None, rv=None):
    """audit ObjectReference in Go field order."""
    r = {"resource": resource}
    if ns:
        r["namespace"] = ns
    if name:
        r["name"] = name
    if uid:
        r["uid"] = uid
    if group:
        r["apiGroup"] = group
    r["apiVersion"] = version
    if rv:
        r["resourceVersion"] = rv
    if sub:
        r["subresource"] = sub
    return r


def st_ok(code=200):
    return {"metadata": {}, "code": code}


def st_fail(code, reason, message, details=None):
    s = {"metadata": {}, "status": "Failure", "message": message, "reason": reason}
    if details:
        s["details"] = details
    s["code"] = code
    return s


LONG_RUNNING_SUB = ("exec", "attach", "portforward", "log", "proxy")
ALL_STAGES_SUB = ("exec", "attach", "portforward")


def emit(server, t, user, verb, uri, agent, ip, *, ref=None, code=None, level="Metadata",
         lat=None, dur=None, reason=None, decision="allow", status=None,
         req_obj=None, resp_obj=None, extra_ann=None, planted=None):
    """Record one request as 1-3 stage events, the way kube-apiserver logs them.

    Policy of shop-prod (see README): RequestReceived is omitted except for
    exec/attach/portforward and for the RequestResponse rules; long-running
    requests (watch, pods/log, exec...) also get ResponseStarted; failed
    authentication is logged only at ResponseStarted (that is what the
    apiserver's failed-authentication audit filter emits)."""
    aid = uid4()
    sub = ref.get("subresource") if ref else None
    if code is None:
        code = 201 if (verb == "create" and sub not in ALL_STAGES_SUB) else 200
    if code == 401:
        stages = ["ResponseStarted"]
    else:
        long_running = verb == "watch" or sub in LONG_RUNNING_SUB
        stages = []
        if sub in ALL_STAGES_SUB or level == "RequestResponse":
            stages.append("RequestReceived")
        if long_running:
            stages.append("ResponseStarted")
        stages.append("ResponseComplete")
    if status is None:
        status = st_ok(code)
    recv = t + rng.randint(0, 999)   # planted/scripted times are whole milliseconds otherwise
    if lat is None:
        lat = rng.randint(1_200, 9_800)
    started = recv + rng.randint(900, 4_000) if dur is not None else recv + lat
    done = recv + (dur if dur is not None else lat)

    ann = {}
    if code != 401:
        ann["authorization.k8s.io/decision"] = decision
        ann["authorization.k8s.io/reason"] = reason if reason is not None else ""
    if extra_ann:
        ann.update(extra_ann)
    ann = dict(sorted(ann.items()))

    # On RequestReceived the body has not been decoded yet, so objectRef lacks
    # what LogRequestObject later copies from the object (create: name,
    # update: uid + resourceVersion).
    early_ref = None
    if ref is not None:
        early_ref = dict(ref)
        if verb == "create" and sub is None:
            early_ref.pop("name", None)
        if verb == "update":
            early_ref.pop("uid", None)
            early_ref.pop("resourceVersion", None)

    for stage in stages:
        st = {"RequestReceived": recv, "ResponseStarted": started, "ResponseComplete": done}[stage]
        ev = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level, "auditID": aid,
              "stage": stage, "requestURI": uri, "verb": verb, "user": user}
        if ip:
            ev["sourceIPs"] = [ip]
        if agent:
            ev["userAgent"] = agent
        if ref is not None:
            ev["objectRef"] = early_ref if stage == "RequestReceived" else ref
        if stage != "RequestReceived":
            ev["responseStatus"] = status
        if stage == "ResponseComplete" and req_obj is not None:
            ev["requestObject"] = req_obj
        if stage == "ResponseComplete" and resp_obj is not None:
            ev["responseObject"] = resp_obj
        ev["requestReceivedTimestamp"] = rfc(recv)
        ev["stageTimestamp"] = rfc(st)
        if stage != "RequestReceived" and ann:
            ev["annotations"] = ann
        _seq[0] += 1
        STREAMS[server].append((st, _seq[0], ev))
    if planted:
        PLANTED.setdefault(planted, []).append(aid)
    return aid


def go_json(obj):
    """Compact JSON the way Go's encoding/json writes it."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def every(start, end, mean, jitter=0.4):
    """Times from start to end, about `mean` apart."""
    t = start + int(rng.uniform(0, mean))
    while t < end:
        yield t
        t += int(mean * rng.uniform(1 - jitter, 1 + jitter))


def watch_uri(path, t, extra=""):
    secs = rng.randint(300, 599)
    q = "allowWatchBookmarks=true" + extra + f"&resourceVersion={rv_at(t - 40 * SEC)}" \
        f"&timeout={secs // 60}m{secs % 60}s&timeoutSeconds={secs}&watch=true"
    return f"{path}?{q}", secs * SEC + rng.randint(1_000, 40_000)


# --------------------------------------------------------------------------
# workloads in namespace shop (pod names derive from the rollout history)
# --------------------------------------------------------------------------
DEPLOYS = {
    "frontend": {"image": "registry.example.com/shop/frontend", "tags": ["1.42.0"], "rev": 17},
    "checkout": {"image": "registry.example.com/shop/checkout", "tags": ["3.7.1"], "rev": 9},
    "cart": {"image": "registry.example.com/shop/cart", "tags": ["2.3.4"], "rev": 12},
    "payments": {"image": "registry.example.com/shop/payments", "tags": ["5.1.0"], "rev": 6},
}
# (time, server of the client, actor, deployment, new tag)
ROLLOUTS = [
    (J("2026-11-20T09:41:12"), "cp2", "bob", "checkout", "3.8.0"),
    (J("2026-11-20T13:05:40"), "cp1", "ci", "frontend", "1.42.1"),
    (J("2026-11-20T16:48:03"), "cp2", "ci", "cart", "2.4.0"),
    (J("2026-11-20T20:15:27"), "cp1", "ci", "frontend", "1.42.2"),
    (J("2026-11-21T10:52:48"), "cp1", "bob", "checkout", "3.8.1"),
    (J("2026-11-21T13:30:09"), "cp1", "ci", "frontend", "1.43.0"),
    (J("2026-11-21T16:05:51"), "cp1", "ci", "cart", "2.4.1"),
    (J("2026-11-21T19:20:30"), "cp1", "ci", "checkout", "3.8.2"),
]


def rs_hash(dep, rev):
    if dep == "payments":
        return "7d9f8b6c5"
    if dep == "frontend" and rev == 17:
        return "6c8d9f7b5"
    return det_suffix(f"rs/{dep}/{rev}", 9)


def revision_at(dep, t):
    rev = DEPLOYS[dep]["rev"]
    for (rt, _, _, d, _) in ROLLOUTS:
        if d == dep and rt <= t:
            rev += 1
    return rev


def pods_of(dep, rev):
    if dep == "payments":
        return ["payments-7d9f8b6c5-x2x9k", "payments-7d9f8b6c5-hq5tm"]
    h = rs_hash(dep, rev)
    return [f"{dep}-{h}-{det_suffix(f'pod/{dep}/{rev}/{i}', 5)}" for i in range(2)]


def node_of(pod):
    if pod.startswith("payments-"):
        return NODES[0] if pod.endswith("x2x9k") else NODES[1]
    return NODES[int(hashlib.sha256(pod.encode()).hexdigest(), 16) % 3]


def pod_ip(pod):
    n = node_of(pod)
    third = n.split("-")[3]
    return f"10.0.{third}.{10 + int(hashlib.sha256(('ip' + pod).encode()).hexdigest(), 16) % 240}"


def frontend_user(t):
    pod = pods_of("frontend", revision_at("frontend", t))[0]
    return sa_user("shop", "frontend", t, pod, node_of(pod)), pod_ip(pod)


PROM_POD = "prometheus-k8s-0"
PROM_NODE = NODES[1]
PROM_IP = "10.0.2.201"
COREDNS_POD = "coredns-6f6b679f8f-9qzcw"
COREDNS_IP = "10.0.1.36"
CI_POD = "runner-kq7x2mzd-project-42-concurrent-0"
CI_NODE = NODES[2]
CI_IP = "10.0.3.58"
CA_POD = "cluster-autoscaler-5d9c6b8f7-w7lpk"
CA_IP = "10.0.2.19"
ISTIOD_POD = "istiod-7b9c8d6f5-m2r8t"
ISTIOD_IP = "10.0.3.77"


def ci_user(t):
    return sa_user("ci", "deployer", t, CI_POD, CI_NODE)


def prom_user(t):
    return sa_user("monitoring", "prometheus", t, PROM_POD, PROM_NODE)


# ---------- Kubernetes objects (Go field order, defaults as decoded) -------

def container(name, image, *, ports=None, command=None, env=None, resources=None, mounts=None,
              sc=None):
    c = {"name": name, "image": image}
    if command:
        c["command"] = command
    if ports:
        c["ports"] = ports
    if env:
        c["env"] = env
    c["resources"] = resources if resources is not None else {}
    if mounts:
        c["volumeMounts"] = mounts
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = "File"
    c["imagePullPolicy"] = "IfNotPresent"
    if sc is not None:
        c["securityContext"] = sc
    return c


APP_RES = {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}


def app_pod_spec(dep, image):
    return {"containers": [container(dep, image, ports=[{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                                     resources=APP_RES)],
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "serviceAccountName": dep, "serviceAccount": dep, "securityContext": {},
            "schedulerName": "default-scheduler"}


def deployment_obj(dep, rev, image, t, gen):
    return {"kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": dep, "namespace": "shop", "uid": det_uuid(f"deploy/shop/{dep}"),
                         "resourceVersion": rv_at(t), "generation": gen,
                         "creationTimestamp": "2026-06-02T09:14:51Z", "labels": {"app": dep},
                         "annotations": {"deployment.kubernetes.io/revision": str(rev)}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": dep}},
                     "template": {"metadata": {"creationTimestamp": None, "labels": {"app": dep}},
                                  "spec": app_pod_spec(dep, image)},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                     "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
            "status": {"observedGeneration": gen - 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2,
                       "availableReplicas": 2,
                       "conditions": [
                           {"type": "Available", "status": "True", "lastUpdateTime": "2026-11-02T08:40:12Z",
                            "lastTransitionTime": "2026-11-02T08:40:12Z", "reason": "MinimumReplicasAvailable",
                            "message": "Deployment has minimum availability."},
                           {"type": "Progressing", "status": "True", "lastUpdateTime": rfc_s(t - 3 * HOUR),
                            "lastTransitionTime": "2026-06-02T09:14:51Z", "reason": "NewReplicaSetAvailable",
                            "message": f"ReplicaSet \"{dep}-{rs_hash(dep, rev - 1)}\" has successfully progressed."}]}}


def app_pod_obj(dep, rev, image):
    h = rs_hash(dep, rev)
    return {"kind": "Pod", "apiVersion": "v1",
            "metadata": {"generateName": f"{dep}-{h}-", "namespace": "shop", "creationTimestamp": None,
                         "labels": {"app": dep, "pod-template-hash": h},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{dep}-{h}",
                                              "uid": det_uuid(f"rs/shop/{dep}-{h}"), "controller": True,
                                              "blockOwnerDeletion": True}]},
            "spec": dict(app_pod_spec(dep, image), enableServiceLinks=True), "status": {}}


def kube_proxy_pod_obj(node):
    return {"kind": "Pod", "apiVersion": "v1",
            "metadata": {"generateName": "kube-proxy-", "namespace": "kube-system", "creationTimestamp": None,
                         "labels": {"controller-revision-hash": "7f8c5d4b9d", "k8s-app": "kube-proxy",
                                    "pod-template-generation": "3"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "kube-proxy",
                                              "uid": det_uuid("ds/kube-system/kube-proxy"), "controller": True,
                                              "blockOwnerDeletion": True}]},
            "spec": {"volumes": [{"name": "kube-proxy", "configMap": {"name": "kube-proxy", "defaultMode": 420}},
                                 {"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}},
                                 {"name": "lib-modules", "hostPath": {"path": "/lib/modules", "type": ""}}],
                     "containers": [container(
                         "kube-proxy", f"registry.k8s.io/kube-proxy:{K8S}",
                         command=["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                  "--hostname-override=$(NODE_NAME)"],
                         env=[{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                         mounts=[{"name": "kube-proxy", "mountPath": "/var/lib/kube-proxy"},
                                 {"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
                                 {"name": "lib-modules", "readOnly": True, "mountPath": "/lib/modules"}],
                         sc={"privileged": True})],
                     "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
                     "nodeSelector": {"kubernetes.io/os": "linux"}, "serviceAccountName": "kube-proxy",
                     "serviceAccount": "kube-proxy", "hostNetwork": True, "securityContext": {},
                     "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                         "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                                 "values": [node]}]}]}}},
                     "schedulerName": "default-scheduler",
                     "tolerations": [{"operator": "Exists"},
                                     {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
                                     {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
                                     {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"}],
                     "priorityClassName": "system-node-critical", "enableServiceLinks": True},
            "status": {}}


def node_debugger_ds(created=None):
    meta = {"name": "node-debugger", "namespace": "kube-system"}
    if created is not None:
        meta.update({"uid": det_uuid("ds/kube-system/node-debugger"), "resourceVersion": rv_at(created),
                     "generation": 1, "creationTimestamp": rfc_s(created)})
    else:
        meta["creationTimestamp"] = None
    meta["labels"] = {"app": "node-debugger"}
    if created is not None:
        meta["annotations"] = {"deprecated.daemonset.template.generation": "1"}
    return {"kind": "DaemonSet", "apiVersion": "apps/v1", "metadata": meta,
            "spec": {"selector": {"matchLabels": {"app": "node-debugger"}},
                     "template": {"metadata": {"creationTimestamp": None, "labels": {"app": "node-debugger"}},
                                  "spec": {"volumes": [{"name": "host-root", "hostPath": {"path": "/", "type": ""}}],
                                           "containers": [container(
                                               "debugger", "docker.io/library/alpine:3.20",
                                               command=["/bin/sh", "-c", "sleep infinity"],
                                               mounts=[{"name": "host-root", "mountPath": "/host"}],
                                               sc={"privileged": True})],
                                           "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
                                           "dnsPolicy": "ClusterFirst", "hostNetwork": True, "hostPID": True,
                                           "securityContext": {}, "schedulerName": "default-scheduler",
                                           "tolerations": [{"operator": "Exists"}]}},
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
                     "revisionHistoryLimit": 10},
            "status": {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                       "numberReady": 0}}


def meta_obj(name, created=None, ns=None, gen=False):
    m = {"name": name}
    if ns:
        m["namespace"] = ns
    if created is not None:
        m["uid"] = det_uuid(f"obj/{ns}/{name}")
        m["resourceVersion"] = rv_at(created)
        if gen:
            m["generation"] = 1
        m["creationTimestamp"] = rfc_s(created)
    else:
        m["creationTimestamp"] = None
    return m


def istio_webhook_cfg(policy, t=None, gen=None):
    meta = {"name": "istio-sidecar-injector", "uid": det_uuid("mwc/istio-sidecar-injector"),
            "resourceVersion": rv_at(t), "generation": gen, "creationTimestamp": "2026-05-18T14:02:33Z",
            "labels": {"app": "sidecar-injector", "istio.io/rev": "default"}}
    return {"kind": "MutatingWebhookConfiguration", "apiVersion": "admissionregistration.k8s.io/v1",
            "metadata": meta,
            "webhooks": [{"name": "namespace.sidecar-injector.istio.io",
                          "clientConfig": {"service": {"namespace": "istio-system", "name": "istiod",
                                                       "path": "/inject", "port": 443}},
                          "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"],
                                     "resources": ["pods"], "scope": "*"}],
                          "failurePolicy": policy, "matchPolicy": "Equivalent",
                          "namespaceSelector": {"matchExpressions": [
                              {"key": "istio-injection", "operator": "In", "values": ["enabled"]}]},
                          "objectSelector": {"matchExpressions": [
                              {"key": "sidecar.istio.io/inject", "operator": "NotIn", "values": ["false"]}]},
                          "sideEffects": "None", "timeoutSeconds": 10,
                          "admissionReviewVersions": ["v1beta1", "v1"], "reinvocationPolicy": "Never"}]}


PSA_PRIV = {"pod-security.kubernetes.io/enforce-policy": "privileged:latest"}
ISTIO_MUT = {"mutation.webhook.admission.k8s.io/round_0_index_0":
             '{"configuration":"istio-sidecar-injector","webhook":"namespace.sidecar-injector.istio.io","mutated":true}'}


# --------------------------------------------------------------------------
# benign background traffic
# --------------------------------------------------------------------------

def kubelet_traffic(node, server, start, end):
    user, ip = node_user(node), NODE_IP[node]
    lease = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}?timeout=10s"
    for t in every(start, end, 15 * MIN):
        emit(server, t, user, "update", lease, UA_KUBELET, ip, reason=R_NODE, lat=rng.randint(2_000, 6_500),
             ref=oref("leases", "kube-node-lease", node, "coordination.k8s.io", uid=det_uuid("lease/" + node),
                      rv=rv_at(t - 10 * SEC)))
    for t in every(start, end, 60 * MIN):
        emit(server, t, user, "patch", f"/api/v1/nodes/{node}/status?timeout=10s", UA_KUBELET, ip, reason=R_NODE,
             lat=rng.randint(4_000, 12_000), ref=oref("nodes", name=node, sub="status"))
    for t in every(start, end, 110 * MIN):
        uri, dur = watch_uri("/api/v1/pods", t, f"&fieldSelector=spec.nodeName%3D{node}")
        emit(server, t, user, "watch", uri, UA_KUBELET, ip, reason=R_NODE, dur=dur, ref=oref("pods"))
    for t in every(start, end, 150 * MIN):
        uri, dur = watch_uri("/apis/storage.k8s.io/v1/csidrivers", t)
        emit(server, t, user, "watch", uri, UA_KUBELET, ip, reason=R_NODE, dur=dur,
             ref=oref("csidrivers", group="storage.k8s.io"))
    # the kube-probe checks of the static kube-apiserver pod on the control-plane node
    cp_ip = CP_IP[server]
    for t in every(start, end, 30 * MIN):
        path = rng.choice(["/readyz", "/livez"])
        emit(server, t, ANON, "get", path, UA_PROBE, cp_ip, reason=R_PUBLIC, lat=rng.randint(600, 3_000))


def kubelet_mounts(node, server, start, end, mounts):
    """The kubelet re-establishing watches on single configmaps/secrets its pods mount."""
    user, ip = node_user(node), NODE_IP[node]
    for t in every(start, end, 200 * MIN):
        res, ns, name = mounts[rng.randrange(len(mounts))]
        uri, dur = watch_uri(f"/api/v1/namespaces/{ns}/{res}", t, f"&fieldSelector=metadata.name%3D{name}")
        emit(server, t, user, "watch", uri, UA_KUBELET, ip, reason=R_NODE, dur=dur, ref=oref(res, ns))


def control_plane_traffic(server, start, end):
    ip = CP_IP[server]
    leader = server == "cp1"
    for comp, user, agent, reason in (("kube-controller-manager", KCM, UA_KCM_LE, R_KCM),
                                      ("kube-scheduler", SCHED, UA_SCHED_LE, R_SCHED)):
        uri = f"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{comp}?timeout=5s"
        # the standby instance polls the lease more often than the (thinned) leader renewals show
        for t in every(start, end, 15 * MIN if leader else 5 * MIN):
            if leader:
                emit(server, t, user, "update", uri, agent, ip, reason=reason, lat=rng.randint(2_500, 7_000),
                     ref=oref("leases", "kube-system", comp, "coordination.k8s.io",
                              uid=det_uuid("lease/" + comp), rv=rv_at(t - 2 * SEC)))
            else:   # the standby instance keeps trying to acquire the lease
                emit(server, t, user, "get", uri, agent, ip, reason=reason, lat=rng.randint(1_000, 3_000),
                     ref=oref("leases", "kube-system", comp, "coordination.k8s.io"))
    if leader:
        informers = [("/apis/apps/v1/replicasets", "replicasets", "apps"),
                     ("/apis/apps/v1/deployments", "deployments", "apps"),
                     ("/apis/apps/v1/daemonsets", "daemonsets", "apps"),
                     ("/api/v1/pods", "pods", ""),
                     ("/apis/discovery.k8s.io/v1/endpointslices", "endpointslices", "discovery.k8s.io")]
        for t in every(start, end, 75 * MIN):
            path, res, grp = informers[rng.randrange(len(informers))]
            uri, dur = watch_uri(path, t)
            emit(server, t, KCM, "watch", uri, UA_KCM + "/shared-informers", ip, reason=R_KCM, dur=dur,
                 ref=oref(res, group=grp))
        sched_informers = [("/api/v1/pods", "pods", ""), ("/api/v1/nodes", "nodes", ""),
                           ("/apis/storage.k8s.io/v1/csinodes", "csinodes", "storage.k8s.io")]
        for t in every(start, end, 130 * MIN):
            path, res, grp = sched_informers[rng.randrange(3)]
            uri, dur = watch_uri(path, t)
            emit(server, t, SCHED, "watch", uri, UA_SCHED, ip, reason=R_SCHED, dur=dur, ref=oref(res, group=grp))


def lb_health(server, start, end):
    for t in every(start, end, 30 * MIN):
        emit(server, t, ANON, "get", "/healthz", UA_ELB, LB_IPS[rng.randrange(2)], reason=R_PUBLIC,
             lat=rng.randint(500, 2_500))


def prometheus_traffic(server, start, end):
    for t in every(start, end, 20 * MIN):
        emit(server, t, prom_user(t), "get", "/metrics", UA_PROM, PROM_IP, reason=R_PROM,
             lat=rng.randint(30_000, 120_000))
    targets = [("/api/v1/pods", "pods"), ("/api/v1/endpoints", "endpoints"), ("/api/v1/services", "services")]
    for t in every(start, end, 90 * MIN):
        path, res = targets[rng.randrange(3)]
        uri, dur = watch_uri(path, t)
        emit(server, t, prom_user(t), "watch", uri, UA_PROM, PROM_IP, reason=R_PROM, dur=dur, ref=oref(res))
    for t in every(start, end, 240 * MIN):
        path, res = targets[rng.randrange(3)]
        emit(server, t, prom_user(t), "list", f"{path}?limit=500&resourceVersion=0", UA_PROM, PROM_IP,
             reason=R_PROM, lat=rng.randint(8_000, 40_000), ref=oref(res))


def coredns_traffic(server, start, end):
    for t in every(start, end, 180 * MIN):
        path, res, grp = [("/apis/discovery.k8s.io/v1/endpointslices", "endpointslices", "discovery.k8s.io"),
                          ("/api/v1/services", "services", ""), ("/api/v1/namespaces", "namespaces", "")][rng.randrange(3)]
        uri, dur = watch_uri(path, t)
        emit(server, t, sa_user("kube-system", "coredns", t, COREDNS_POD, NODES[0]), "watch", uri, UA_COREDNS,
             COREDNS_IP, reason=R_COREDNS, dur=dur, ref=oref(res, group=grp))


def istiod_traffic(server, start, end):
    targets = [("/api/v1/pods", "pods", ""), ("/api/v1/services", "services", ""), ("/api/v1/namespaces", "namespaces", ""),
               ("/apis/discovery.k8s.io/v1/endpointslices", "endpointslices", "discovery.k8s.io"),
               ("/apis/networking.istio.io/v1/virtualservices", "virtualservices", "networking.istio.io"),
               ("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
                "mutatingwebhookconfigurations", "admissionregistration.k8s.io")]
    for t in every(start, end, 45 * MIN):
        path, res, grp = targets[rng.randrange(len(targets))]
        uri, dur = watch_uri(path, t)
        emit(server, t, sa_user("istio-system", "istiod", t, ISTIOD_POD, NODES[2]), "watch", uri,
             "pilot-discovery/1.23.2", ISTIOD_IP, reason=R_ISTIOD, dur=dur, ref=oref(res, group=grp))


def kube_proxy_traffic(node, server, start, end):
    pod = "kube-proxy-" + det_suffix("kp/" + node, 5)
    for t in every(start, end, 100 * MIN):
        path, res, grp = [("/apis/discovery.k8s.io/v1/endpointslices", "endpointslices", "discovery.k8s.io"),
                          ("/api/v1/services", "services", "")][rng.randrange(2)]
        uri, dur = watch_uri(path, t, "&labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name")
        emit(server, t, sa_user("kube-system", "kube-proxy", t, pod, node), "watch", uri, ua("kube-proxy"),
             NODE_IP[node], reason=R_KUBE_PROXY, dur=dur, ref=oref(res, group=grp))


def frontend_traffic(server, start, end):
    for t in every(start, end, 35 * MIN):
        user, ip = frontend_user(t)
        emit(server, t, user, "get", "/api/v1/namespaces/shop/configmaps/frontend-flags", UA_FRONTEND, ip,
             reason=R_FRONTEND, ref=oref("configmaps", "shop", "frontend-flags"))


def autoscaler_traffic(server, start, end):
    for t in every(start, end, 60 * MIN):
        user = sa_user("kube-system", "cluster-autoscaler", t, CA_POD, NODES[1])
        name = "cluster-autoscaler-status"
        now = (EPOCH + timedelta(microseconds=t)).strftime("%Y-%m-%d %H:%M:%S")
        status = (f"time: {now}.{(t // 1000) % 1000:03d} +0000 UTC\nautoscalerStatus: Running\n"
                  "clusterWide:\n  health:\n    status: Healthy\n    nodeCounts:\n      registered:\n"
                  "        total: 3\n        ready: 3\n  scaleUp:\n    status: NoActivity\n"
                  "  scaleDown:\n    status: NoCandidates\n")
        obj = {"kind": "ConfigMap", "apiVersion": "v1",
               "metadata": {"name": name, "namespace": "kube-system", "uid": det_uuid("cm/" + name),
                            "resourceVersion": rv_at(t - HOUR), "creationTimestamp": "2026-05-18T13:51:07Z",
                            "annotations": {"cluster-autoscaler.kubernetes.io/last-updated": now + " +0000 UTC"}},
               "data": {"status": status}}
        emit(server, t, user, "update", f"/api/v1/namespaces/kube-system/configmaps/{name}", UA_CA, CA_IP,
             reason=R_CA, level="Request", req_obj=obj, lat=rng.randint(3_000, 9_000),
             ref=oref("configmaps", "kube-system", name, uid=det_uuid("cm/" + name), rv=rv_at(t - HOUR)))


# --------------------------------------------------------------------------
# humans and CI
# --------------------------------------------------------------------------

def kubectl(server, t, user, agent, ip, reason, verb, uri, ref=None, **kw):
    return emit(server, t, user, verb, uri, agent, ip, ref=ref, reason=reason, **kw)


def alice_session(server, t, day_pods):
    """A few read-only kubectl commands."""
    a = (ALICE, UA_KUBECTL_ALICE, ALICE_IP, R_ALICE)
    if rng.random() < 0.3:   # discovery cache refresh
        kubectl(server, t, *a, "get", "/api", lat=rng.randint(1_000, 3_000))
        kubectl(server, t + 40 * MS, *a, "get", "/apis", lat=rng.randint(1_500, 4_000))
        t += 200 * MS
    for _ in range(rng.randint(3, 6)):
        t += rng.randint(4, 70) * SEC + rng.randint(0, SEC)
        c = rng.randrange(7)
        ns = rng.choice(["shop", "shop", "payments", "monitoring", "kube-system"])
        if c == 0:
            kubectl(server, t, *a, "list", f"/api/v1/namespaces/{ns}/pods?limit=500", oref("pods", ns),
                    lat=rng.randint(5_000, 25_000))
        elif c == 1:
            kubectl(server, t, *a, "list", "/api/v1/nodes?limit=500", oref("nodes"), lat=rng.randint(6_000, 20_000))
        elif c == 2:
            kubectl(server, t, *a, "list", f"/apis/apps/v1/namespaces/{ns}/deployments?limit=500",
                    oref("deployments", ns, group="apps"), lat=rng.randint(4_000, 15_000))
        elif c == 3:
            kubectl(server, t, *a, "list", f"/api/v1/namespaces/{ns}/events?limit=500", oref("events", ns),
                    lat=rng.randint(5_000, 30_000))
        elif c == 4:   # kubectl describe pod
            pod = rng.choice(day_pods)
            kubectl(server, t, *a, "get", f"/api/v1/namespaces/shop/pods/{pod}", oref("pods", "shop", pod))
            kubectl(server, t + rng.randint(8, 30) * MS, *a, "list",
                    f"/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3D{pod}%2C"
                    f"involvedObject.namespace%3Dshop%2CinvolvedObject.uid%3D{det_uuid('pod/shop/' + pod)}&limit=500",
                    oref("events", "shop"), lat=rng.randint(3_000, 12_000))
        elif c == 5:
            kubectl(server, t, *a, "list", "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods",
                    oref("pods", "shop", group="metrics.k8s.io", version="v1beta1"), lat=rng.randint(15_000, 60_000))
        else:
            kubectl(server, t, *a, "list", f"/api/v1/namespaces/{ns}/services?limit=500", oref("services", ns),
                    lat=rng.randint(3_000, 10_000))
    return t


def alice_days():
    for day in ("2026-11-20", "2026-11-21"):
        for t in every(T(f"{day}T08:10:00"), T(f"{day}T17:30:00"), 95 * MIN, 0.5):
            server = "cp1" if (t >= CP2_END or rng.random() < 0.55) else "cp2"
            pods = [p for d in ("frontend", "checkout", "cart", "payments") for p in pods_of(d, revision_at(d, t))]
            alice_session(server, t, pods)


def bob_days():
    b = (BOB, UA_KUBECTL_BOB, BOB_IP, R_BOB)
    for day in ("2026-11-20", "2026-11-21"):
        for t in every(T(f"{day}T10:00:00"), T(f"{day}T16:30:00"), 150 * MIN, 0.5):
            server = "cp1" if (t >= CP2_END or rng.random() < 0.5) else "cp2"
            kubectl(server, t, *b, "list", "/api/v1/namespaces/shop/pods?limit=500", oref("pods", "shop"),
                    lat=rng.randint(5_000, 20_000))
            t += rng.randint(20, 90) * SEC
            kubectl(server, t, *b, "list", "/apis/apps/v1/namespaces/shop/replicasets?limit=500",
                    oref("replicasets", "shop", group="apps"), lat=rng.randint(5_000, 15_000))
            t += rng.randint(10, 60) * SEC
            dep = rng.choice(["checkout", "cart"])
            pod = pods_of(dep, revision_at(dep, t))[rng.randrange(2)]
            # `kubectl logs` -- get pods/log (long-running: ResponseStarted + ResponseComplete)
            kubectl(server, t, *b, "get", f"/api/v1/namespaces/shop/pods/{pod}", oref("pods", "shop", pod))
            kubectl(server, t + 30 * MS, *b, "get", f"/api/v1/namespaces/shop/pods/{pod}/log?container={dep}&tailLines=100",
                    oref("pods", "shop", pod, sub="log"), dur=rng.randint(40, 400) * MS)


def bob_rolebinding():
    """Benign RBAC write: read-only access for the support team in namespace shop."""
    t = J("2026-11-20T11:26:44")
    req = {"kind": "RoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
           "metadata": meta_obj("support-view", ns="shop"),
           "subjects": [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "oidc:support"}],
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}}
    resp = json.loads(json.dumps(req))
    resp["metadata"] = meta_obj("support-view", created=t + 6 * MS, ns="shop")
    kubectl("cp2", t, BOB, UA_KUBECTL_BOB, BOB_IP, R_BOB, "create",
            "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings?fieldManager=kubectl-create&fieldValidation=Strict",
            oref("rolebindings", "shop", "support-view", "rbac.authorization.k8s.io"),
            level="RequestResponse", req_obj=req, resp_obj=resp, lat=rng.randint(6_000, 12_000))


def bob_configmap(t, server):
    """Benign Request-level configmap write before a rollout."""
    name = "checkout-config"
    obj = {"kind": "ConfigMap", "apiVersion": "v1",
           "metadata": {"name": name, "namespace": "shop", "uid": det_uuid("cm/" + name),
                        "resourceVersion": rv_at(t - 9 * HOUR), "creationTimestamp": "2026-06-02T09:14:50Z",
                        "labels": {"app": "checkout"}},
           "data": {"CHECKOUT_TIMEOUT_MS": "4500", "FEATURE_EXPRESS_PAY": "true", "LOG_LEVEL": "info"}}
    kubectl(server, t, BOB, UA_KUBECTL_BOB, BOB_IP, R_BOB, "update",
            f"/api/v1/namespaces/shop/configmaps/{name}?fieldManager=kubectl-replace",
            oref("configmaps", "shop", name, uid=det_uuid("cm/" + name), rv=rv_at(t - 9 * HOUR)),
            level="Request", req_obj=obj, lat=rng.randint(4_000, 9_000))


def rollout(t, server, actor, dep, tag):
    """A new image for a deployment in shop, and the controller cascade that follows."""
    new_rev = revision_at(dep, t + 1)
    old_rev = new_rev - 1
    image = f"{DEPLOYS[dep]['image']}:{tag}"
    gen = 20 + new_rev
    if actor == "ci":
        user, agent, ip, reason = ci_user(t), UA_KUBECTL_CI, CI_IP, R_CI
        uri = f"/apis/apps/v1/namespaces/shop/deployments/{dep}?fieldManager=kubectl-set"
        patch = {"spec": {"template": {"spec": {"containers": [{"image": image, "name": dep}]}}}}
        kubectl(server, t, user, agent, ip, reason, "get", f"/apis/apps/v1/namespaces/shop/deployments/{dep}",
                oref("deployments", "shop", dep, "apps"))
        t += rng.randint(40, 90) * MS
    else:
        bob_configmap(t - rng.randint(30, 60) * SEC, server)
        user, agent, ip, reason = BOB, UA_KUBECTL_BOB, BOB_IP, R_BOB
        uri = f"/apis/apps/v1/namespaces/shop/deployments/{dep}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict"
        kubectl(server, t, user, agent, ip, reason, "get", f"/apis/apps/v1/namespaces/shop/deployments/{dep}",
                oref("deployments", "shop", dep, "apps"))
        t += rng.randint(40, 90) * MS
        patch = {"metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                                              json.dumps({"apiVersion": "apps/v1", "kind": "Deployment",
                                                          "metadata": {"name": dep, "namespace": "shop"},
                                                          "spec": {"template": {"spec": {"containers": [
                                                              {"image": image, "name": dep}]}}}},
                                                         separators=(",", ":")) + "\n"}},
                 "spec": {"template": {"spec": {"containers": [{"image": image, "name": dep}]}}}}
    resp = deployment_obj(dep, new_rev, image, t, gen)
    kubectl(server, t, user, agent, ip, reason, "patch", uri, oref("deployments", "shop", dep, "apps"),
            level="RequestResponse", req_obj=patch, resp_obj=resp, lat=rng.randint(7_000, 16_000))
    # kubectl rollout status
    t_watch = t + rng.randint(200, 600) * MS
    dur = rng.randint(35, 80) * SEC
    kubectl(server, t_watch, user, agent, ip, reason, "watch",
            f"/apis/apps/v1/namespaces/shop/deployments?fieldSelector=metadata.name%3D{dep}"
            f"&resourceVersion={rv_at(t)}&watch=true",
            oref("deployments", "shop", group="apps"), dur=dur)
    # controllers (kube-controller-manager and kube-scheduler lead on control-plane-1)
    cp = CP_IP["cp1"]
    c = t + rng.randint(15, 40) * MS
    new_h, old_h = rs_hash(dep, new_rev), rs_hash(dep, old_rev)
    emit("cp1", c, ctrl_user("deployment-controller", c), "create", "/apis/apps/v1/namespaces/shop/replicasets",
         kcm_ctrl_ua("deployment-controller"), cp, reason=r_ctrl("deployment-controller"),
         ref=oref("replicasets", "shop", f"{dep}-{new_h}", "apps"))
    emit("cp1", c + 9 * MS, ctrl_user("deployment-controller", c), "update",
         f"/apis/apps/v1/namespaces/shop/deployments/{dep}/status", kcm_ctrl_ua("deployment-controller"), cp,
         reason=r_ctrl("deployment-controller"),
         ref=oref("deployments", "shop", dep, "apps", sub="status", uid=det_uuid(f"deploy/shop/{dep}"), rv=rv_at(c)))
    new_pods, old_pods = pods_of(dep, new_rev), pods_of(dep, old_rev)
    for i, pod in enumerate(new_pods):
        p = c + (30 + i * 9_000) * MS
        emit("cp1", p, ctrl_user("replicaset-controller", p), "create", "/api/v1/namespaces/shop/pods",
             kcm_ctrl_ua("replicaset-controller"), cp, reason=r_ctrl("replicaset-controller"), level="Request",
             ref=oref("pods", "shop"), req_obj=app_pod_obj(dep, new_rev, image),
             extra_ann=dict(PSA_PRIV, **ISTIO_MUT), lat=rng.randint(25_000, 70_000))
        b = p + rng.randint(90, 400) * MS
        node = node_of(pod)
        emit("cp1", b, SCHED, "create", f"/api/v1/namespaces/shop/pods/{pod}/binding", UA_SCHED, cp,
             reason=R_SCHED, ref=oref("pods", "shop", pod, sub="binding"))
        s = b + rng.randint(2, 6) * SEC
        emit(NODE_SERVER[node], s, node_user(node), "patch", f"/api/v1/namespaces/shop/pods/{pod}/status",
             UA_KUBELET, NODE_IP[node], reason=R_NODE, ref=oref("pods", "shop", pod, sub="status"),
             lat=rng.randint(4_000, 10_000))
        d = s + rng.randint(4, 9) * SEC
        emit("cp1", d, ctrl_user("deployment-controller", d), "update",
             f"/apis/apps/v1/namespaces/shop/replicasets/{dep}-{old_h}", kcm_ctrl_ua("deployment-controller"), cp,
             reason=r_ctrl("deployment-controller"),
             ref=oref("replicasets", "shop", f"{dep}-{old_h}", "apps", uid=det_uuid(f"rs/shop/{dep}-{old_h}"), rv=rv_at(d)))
        old = old_pods[i]
        emit("cp1", d + rng.randint(20, 60) * MS, ctrl_user("replicaset-controller", d), "delete",
             f"/api/v1/namespaces/shop/pods/{old}", kcm_ctrl_ua("replicaset-controller"), cp,
             reason=r_ctrl("replicaset-controller"), ref=oref("pods", "shop", old))


def kube_proxy_recreate(t, node):
    """Benign look-alike: the daemon-set-controller creating a privileged kube-proxy pod."""
    cp = CP_IP["cp1"]
    emit("cp1", t, ctrl_user("daemon-set-controller", t), "create", "/api/v1/namespaces/kube-system/pods",
         kcm_ctrl_ua("daemon-set-controller"), cp, reason=r_ctrl("daemon-set-controller"), level="Request",
         ref=oref("pods", "kube-system"), req_obj=kube_proxy_pod_obj(node), extra_ann=PSA_PRIV,
         lat=rng.randint(9_000, 20_000))
    pod = "kube-proxy-" + det_suffix(f"kp/{node}/{t}", 5)
    b = t + rng.randint(60, 300) * MS
    emit("cp1", b, SCHED, "create", f"/api/v1/namespaces/kube-system/pods/{pod}/binding", UA_SCHED, cp,
         reason=R_SCHED, ref=oref("pods", "kube-system", pod, sub="binding"))
    s = b + rng.randint(2, 5) * SEC
    emit(NODE_SERVER[node], s, node_user(node), "patch", f"/api/v1/namespaces/kube-system/pods/{pod}/status",
         UA_KUBELET, NODE_IP[node], reason=R_NODE, ref=oref("pods", "kube-system", pod, sub="status"))


# --------------------------------------------------------------------------
# planted suspicious activity
# --------------------------------------------------------------------------

def plant_brute_force():
    """d. 40 failed authentications (401) from one external address, 14:57-15:03,
    straddling the rotation of the .zst into the .gz file."""
    paths = [("/api/v1/namespaces/kube-system/secrets", "list", oref("secrets", "kube-system")),
             ("/api/v1/secrets?limit=500", "list", oref("secrets")),
             ("/api/v1/namespaces/default/pods", "list", oref("pods", "default")),
             ("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "list",
              oref("clusterrolebindings", group="rbac.authorization.k8s.io")),
             ("/api", "get", None),
             ("/version", "get", None)]
    start, span = J("2026-11-20T14:57:06"), 6 * MIN - 4 * SEC
    for i in range(40):
        t = start + i * span // 40 + rng.randint(0, 2 * SEC)
        uri, verb, ref = paths[i % len(paths)]
        emit("cp1", t, ANON, verb, uri, "python-requests/2.32.3", ATTACKER_IP, ref=ref, code=401,
             status={"metadata": {}, "message": "Authentication failed, attempted: bearer", "code": 401},
             lat=rng.randint(300, 1_500), planted="brute-force-401")


SWEEP = [("shop", "frontend-tls", 200), ("shop", "frontend-session-key", 200), ("shop", "shop-db-credentials", 200),
         ("payments", "payments-db-credentials", 403), ("shop", "redis-auth", 200),
         ("kube-system", "aws-cloud-controller-credentials", 403), ("shop", "sendgrid-api-key", 200),
         ("payments", "stripe-webhook-signing", 403), ("shop", "stripe-api-key", 404),
         ("kube-system", "bootstrap-token-7k2m9q", 403), ("payments", "payments-tls", 403),
         ("shop", "checkout-tls", 200), ("kube-system", "etcd-backup-s3", 403),
         ("payments", "pci-encryption-key", 403), ("shop", "cart-db-credentials", 200),
         ("kube-system", "sealed-secrets-key", 403), ("payments", "vault-approle", 403),
         ("shop", "registry-pull", 200), ("kube-system", "cluster-autoscaler-aws", 403),
         ("payments", "payments-gateway-config", 403), ("shop", "admin-basic-auth", 404),
         ("kube-system", "external-dns-aws", 403), ("payments", "fraud-model-api", 403),
         ("kube-system", "velero-credentials", 403), ("payments", "payments-admin", 403)]


def plant_secret_sweep():
    """c. shop:frontend reads 25 different secrets in 3 namespaces within two minutes."""
    t = J("2026-11-20T22:31:05")
    user, ip = frontend_user(t)
    for ns, name, code in SWEEP:
        who = user["username"]
        if code == 403:
            status = st_fail(403, "Forbidden",
                             f'secrets "{name}" is forbidden: User "{who}" cannot get resource "secrets" '
                             f'in API group "" in the namespace "{ns}"', {"name": name, "kind": "secrets"})
            dec, reason = "forbid", ""
        elif code == 404:
            status = st_fail(404, "NotFound", f'secrets "{name}" not found', {"name": name, "kind": "secrets"})
            dec, reason = "allow", R_FRONTEND
        else:
            status, dec, reason = None, "allow", R_FRONTEND
        emit("cp1", t, user, "get", f"/api/v1/namespaces/{ns}/secrets/{name}", "curl/8.5.0", ip,
             ref=oref("secrets", ns, name), code=code, status=status, decision=dec, reason=reason,
             lat=rng.randint(1_500, 5_000), planted="secret-sweep")
        t += rng.randint(2_500, 6_000) * MS


def plant_wildcard_clusterrole():
    """e. bob creates ClusterRole ops-everything (*/*/*) and binds it to shop:frontend."""
    t = J("2026-11-20T23:12:40")
    b = (BOB, UA_KUBECTL_BOB, BOB_IP, R_BOB)
    kubectl("cp2", t - 35 * SEC, *b, "list", "/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=500",
            oref("clusterroles", group="rbac.authorization.k8s.io"), lat=rng.randint(10_000, 30_000))
    role = {"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": meta_obj("ops-everything"),
            "rules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]}
    resp = json.loads(json.dumps(role))
    resp["metadata"] = meta_obj("ops-everything", created=t + 5 * MS)
    kubectl("cp2", t, *b, "create",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles?fieldManager=kubectl-create&fieldValidation=Strict",
            oref("clusterroles", name="ops-everything", group="rbac.authorization.k8s.io"),
            level="RequestResponse", req_obj=role, resp_obj=resp, lat=rng.randint(6_000, 11_000),
            planted="wildcard-clusterrole")
    t += 25 * SEC + rng.randint(0, SEC)
    binding = {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
               "metadata": meta_obj("ops-everything"),
               "subjects": [{"kind": "ServiceAccount", "name": "frontend", "namespace": "shop"}],
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "ops-everything"}}
    resp = json.loads(json.dumps(binding))
    resp["metadata"] = meta_obj("ops-everything", created=t + 5 * MS)
    kubectl("cp2", t, *b, "create",
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create&fieldValidation=Strict",
            oref("clusterrolebindings", name="ops-everything", group="rbac.authorization.k8s.io"),
            level="RequestResponse", req_obj=binding, resp_obj=resp, lat=rng.randint(6_000, 11_000),
            planted="wildcard-clusterrole")


def plant_exec():
    """b. alice opens an interactive shell in a payments pod."""
    a = (ALICE, UA_KUBECTL_ALICE, ALICE_IP, R_ALICE)
    pod = "payments-7d9f8b6c5-x2x9k"
    t = J("2026-11-21T10:04:31")
    kubectl("cp1", t, *a, "list", "/api/v1/namespaces/shop/pods?limit=500", oref("pods", "shop"),
            lat=rng.randint(6_000, 15_000))
    t = J("2026-11-21T10:05:12")
    kubectl("cp1", t, *a, "get", f"/api/v1/namespaces/shop/pods/{pod}", oref("pods", "shop", pod))
    t += rng.randint(35, 60) * MS
    kubectl("cp1", t, *a, "create",
            f"/api/v1/namespaces/shop/pods/{pod}/exec?command=sh&container=payments&stdin=true&stdout=true&tty=true",
            oref("pods", "shop", pod, sub="exec"), code=101, dur=4 * MIN + 13 * SEC + rng.randint(0, SEC),
            planted="exec-into-pod")


def plant_logs_lookalike():
    """Benign look-alike: alice reads logs of the same pod (get pods/log, not exec)."""
    a = (ALICE, UA_KUBECTL_ALICE, ALICE_IP, R_ALICE)
    pod = "payments-7d9f8b6c5-x2x9k"
    t = J("2026-11-21T11:37:20")
    kubectl("cp1", t, *a, "get", f"/api/v1/namespaces/shop/pods/{pod}", oref("pods", "shop", pod))
    kubectl("cp1", t + 45 * MS, *a, "get",
            f"/api/v1/namespaces/shop/pods/{pod}/log?container=payments&follow=true&tailLines=200",
            oref("pods", "shop", pod, sub="log"), dur=2 * MIN + 41 * SEC)


def plant_webhook_ignore():
    """f. alice sets failurePolicy: Ignore on istio-sidecar-injector."""
    a = (ALICE, UA_KUBECTL_ALICE, ALICE_IP, R_ALICE)
    t = J("2026-11-21T14:18:02")
    path = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector"
    ref = oref("mutatingwebhookconfigurations", name="istio-sidecar-injector", group="admissionregistration.k8s.io")
    kubectl("cp1", t, *a, "get", path, ref)
    t = J("2026-11-21T14:20:33")
    before_rv = t - 2 * HOUR
    req = istio_webhook_cfg("Ignore", before_rv, 3)
    resp = istio_webhook_cfg("Ignore", t + 6 * MS, 4)
    uref = oref("mutatingwebhookconfigurations", name="istio-sidecar-injector", group="admissionregistration.k8s.io",
                uid=det_uuid("mwc/istio-sidecar-injector"), rv=rv_at(before_rv))
    kubectl("cp1", t, *a, "update", path + "?fieldManager=kubectl-replace", uref, level="RequestResponse",
            req_obj=req, resp_obj=resp, lat=rng.randint(6_000, 12_000), planted="webhook-failurepolicy-ignore")


def plant_privileged_daemonset():
    """a. bob creates a privileged, hostPID DaemonSet mounting / in kube-system."""
    b = (BOB, UA_KUBECTL_BOB, BOB_IP, R_BOB)
    t = J("2026-11-21T19:41:09")
    kubectl("cp1", t - 48 * SEC, *b, "list", "/apis/apps/v1/namespaces/kube-system/daemonsets?limit=500",
            oref("daemonsets", "kube-system", group="apps"), lat=rng.randint(5_000, 12_000))
    kubectl("cp1", t, *b, "create", "/apis/apps/v1/namespaces/kube-system/daemonsets?fieldManager=kubectl-create"
            "&fieldValidation=Strict", oref("daemonsets", "kube-system", "node-debugger", "apps"),
            level="RequestResponse", req_obj=node_debugger_ds(), resp_obj=node_debugger_ds(t + 7 * MS),
            lat=rng.randint(8_000, 15_000), planted="privileged-daemonset")


# --------------------------------------------------------------------------
# build the streams
# --------------------------------------------------------------------------

def build():
    for server in ("cp1", "cp2"):
        start, end = WINDOWS[server]
        control_plane_traffic(server, start, end)
        lb_health(server, start, end)
        prometheus_traffic(server, start, end)
        for node in NODES:
            if NODE_SERVER[node] == server:
                kubelet_traffic(node, server, start, end)
    for node in NODES:
        kube_proxy_traffic(node, NODE_SERVER[node], *WINDOWS[NODE_SERVER[node]])
    istiod_traffic("cp2", DAY1, CP2_END)
    kubelet_mounts(NODES[0], "cp1", DAY1, HOOK_END,
                   [("configmaps", "shop", "frontend-flags"), ("secrets", "shop", "frontend-tls"),
                    ("configmaps", "kube-system", "kube-proxy"), ("secrets", "shop", "payments-tls")])
    kubelet_mounts(NODES[1], "cp2", DAY1, CP2_END,
                   [("configmaps", "monitoring", "prometheus-k8s-rulefiles-0"), ("secrets", "monitoring", "prometheus-k8s-tls-assets-0"),
                    ("configmaps", "kube-system", "kube-proxy")])
    kubelet_mounts(NODES[2], "cp2", DAY1, CP2_END,
                   [("configmaps", "shop", "checkout-config"), ("configmaps", "kube-system", "kube-proxy")])
    coredns_traffic("cp2", DAY1, CP2_END)
    frontend_traffic("cp1", DAY1, HOOK_END)
    autoscaler_traffic("cp2", DAY1, CP2_END)
    alice_days()
    bob_days()
    bob_rolebinding()
    for r in ROLLOUTS:
        rollout(*r)
    kube_proxy_recreate(J("2026-11-20T06:12:03"), NODES[1])
    kube_proxy_recreate(J("2026-11-21T05:47:38"), NODES[0])
    plant_brute_force()
    plant_secret_sweep()
    plant_wildcard_clusterrole()
    plant_exec()
    plant_logs_lookalike()
    plant_webhook_ignore()
    plant_privileged_daemonset()
    plant_clock_step()


CLOCK_STEP = 4 * SEC


def plant_clock_step():
    """control-plane-2's clock steps back 4 s (an NTP correction) while a request is in flight: the
    request's ResponseComplete is stamped before it was received. The line keeps its place in the
    file (the server wrote it when it wrote it); only its stageTimestamp shows the step."""
    after = J("2026-11-20T09:00:00")
    for st, _, ev in sorted(STREAMS["cp2"], key=lambda x: (x[0], x[1])):
        if st >= after and ev["stage"] == "ResponseComplete" and ev["verb"] == "get":
            ev["stageTimestamp"] = rfc(parse_rfc(ev["requestReceivedTimestamp"]) - CLOCK_STEP)
            return


def lines_between(server, lo, hi):
    return [ev for (st, _, ev) in sorted(STREAMS[server], key=lambda x: (x[0], x[1])) if lo <= st < hi]


# --------------------------------------------------------------------------
# the same activity elsewhere: shipped copies of shop-prod's own events, and the
# same workload and incidents on three managed clusters (a week apart each, with
# their own audit IDs: another cluster's API server names its own requests)
# --------------------------------------------------------------------------
CLOUDS = {"shop-eks": 7, "shop-gke": 14, "shop-aks": 21}   # cluster -> days later
SHIP_FLUENT = "shop-prod/shipped/fluent-bit/kube-audit.log.1.gz"
SHIP_VECTOR = "shop-prod/shipped/vector/audit-2026-11-21.log.gz"
SHIP_FILEBEAT = "shop-prod/shipped/filebeat/filebeat-20261120.ndjson.gz"
SHIP_CRI = "shop-prod/shipped/containerd/kube-system_kube-apiserver-control-plane-1/kube-apiserver/0.log.20261121-200000.gz"
F_EKS_FH = "shop-eks/firehose/2026/11/27/shop-eks-audit-to-s3-1-2026-11-27-14-55-00-5b1f0c2e-7d4a-4e8b-9c3f-2a6d8e1b4c70"
F_EKS_CW = "shop-eks/cloudwatch/filter-log-events-2026-11-28.json"
F_GKE = "shop-gke/gcloud-logging-read.json.gz"
F_AKS = "shop-aks/insights-logs-kube-audit.tar.gz"
DAY = 24 * HOUR


def parse_rfc(text):
    d = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return (int(d.replace(microsecond=0).timestamp()) * SEC) + d.microsecond


def all_events():
    """Every event of both API servers, in stageTimestamp order (each once)."""
    return [ev for (_, _, ev) in sorted(STREAMS["cp1"] + STREAMS["cp2"], key=lambda x: (x[0], x[1]))]


def incident_windows(margin, scenarios=None):
    """Receive-time windows around the planted requests, `margin` wider on each side."""
    recv = {}
    for ev in all_events():
        recv.setdefault(ev["auditID"], parse_rfc(ev["requestReceivedTimestamp"]))
    windows = []
    for sid, ids in PLANTED.items():
        if scenarios is None or sid in scenarios:
            times = [recv[a] for a in ids]
            windows.append((min(times) - margin, max(times) + margin))
    return windows


def within(ev, windows):
    t = parse_rfc(ev["requestReceivedTimestamp"])
    return any(lo <= t <= hi for lo, hi in windows)


def replayed(events, cluster):
    """The events as `cluster` logged them: its own audit IDs, days later."""
    shift = CLOUDS[cluster] * DAY
    out = []
    for ev in events:
        e = json.loads(json.dumps(ev))
        e["auditID"] = det_uuid(f"{cluster}/{ev['auditID']}")
        for key in ("requestReceivedTimestamp", "stageTimestamp"):
            e[key] = rfc(parse_rfc(e[key]) + shift)
        out.append(e)
    return out


def ms(text):
    return parse_rfc(text) // MS


def firehose_object(events, cluster):
    """CloudWatch Logs subscription records as Firehose stores them in S3 without its own
    compression: each record gzip'd by CloudWatch Logs, back to back, a control message first."""
    stream = "kube-apiserver-audit-" + det_suffix(cluster + "/stream", 16).lower()
    def record(kind, messages):
        return go_json({"messageType": kind, "owner": "123456789012", "logGroup": f"/aws/eks/{cluster}/cluster",
                        "logStream": stream if kind == "DATA_MESSAGE" else "",
                        "subscriptionFilters": ["audit-to-s3"] if kind == "DATA_MESSAGE" else [],
                        "logEvents": messages}).encode()
    parts = [record("CONTROL_MESSAGE", [{"id": "", "timestamp": ms(events[0]["stageTimestamp"]),
                                         "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}])]
    for i in range(0, len(events), 12):
        parts.append(record("DATA_MESSAGE", [
            {"id": str(37_512_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000 + j),
             "timestamp": ms(e["stageTimestamp"]), "message": go_json(e)}
            for j, e in enumerate(events[i:i + 12], start=i)]))
    return b"".join(gz(p) for p in parts)


def filter_log_events(events, cluster):
    """`aws logs filter-log-events` output (AWS CLI v2, JSON, indented by 4)."""
    stream = "kube-apiserver-audit-" + det_suffix(cluster + "/stream", 16).lower()
    entries = [{"logStreamName": stream, "timestamp": ms(e["stageTimestamp"]), "message": go_json(e),
                "ingestionTime": ms(e["stageTimestamp"]) + 640 + i % 300, "eventId": f"{37_512_110_000_000 + i:056d}"}
               for i, e in enumerate(events)]
    return (json.dumps({"events": entries, "searchedLogStreams": [{"logStreamName": stream, "searchedCompletely": True}]},
                       indent=4) + "\n").encode()


GRPC = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 422: 3, 429: 8, 500: 13, 503: 14}


def gke_method_group(group):
    """GKE's methodName spells the group reversed, without `k8s.io` (rbac.authorization.k8s.io: authorization.rbac)."""
    if not group:
        return "core"
    return ".".join(reversed(group.replace(".k8s.io", "").split(".")))


def gke_type_group(group):
    """The group as GKE names it in a body's `@type` (core.k8s.io/v1.Pod, apps.k8s.io/v1.DaemonSet)."""
    if not group:
        return "core.k8s.io"
    return group if group.endswith(".k8s.io") else group + ".k8s.io"


def gke_entries(events, cluster):
    """Cloud Logging entries as GKE writes them: one per completed request (failed authentication,
    logged once, included), the audit annotations in `labels`, gRPC status, no stage or level."""
    done = {}
    for e in events:
        if e["stage"] == "ResponseComplete" or e.get("responseStatus", {}).get("code") == 401:
            done[e["auditID"]] = e
    entries = []
    for e in done.values():
        ref = e.get("objectRef")
        code = e["responseStatus"]["code"]
        if ref:
            group, version = ref.get("apiGroup", ""), ref.get("apiVersion", "v1")
            method = f"io.k8s.{gke_method_group(group)}.{version}.{ref['resource']}"
            name = (group or "core") + "/" + version
            if "namespace" in ref:
                name += "/namespaces/" + ref["namespace"]
            name += "/" + ref["resource"]
            if "name" in ref:
                name += "/" + ref["name"]
            if "subresource" in ref:
                name += "/" + ref["subresource"]
                method += "." + ref["subresource"]
            method += "." + e["verb"]
        else:
            method, name = "io.k8s." + e["verb"], e["requestURI"].split("?")[0].lstrip("/")
        payload = {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                   "authenticationInfo": {"principalEmail": e["user"]["username"]},
                   "authorizationInfo": [{"granted": e.get("annotations", {}).get("authorization.k8s.io/decision") == "allow",
                                          "permission": method, "resource": name}],
                   "methodName": method,
                   "requestMetadata": {"callerIp": e["sourceIPs"][0], "callerSuppliedUserAgent": e.get("userAgent", "")},
                   "resourceName": name, "serviceName": "k8s.io",
                   "status": {} if code < 400 else {"code": GRPC.get(code, 2), "message": e["responseStatus"].get("message", "")}}
        if "requestObject" in e:
            payload["request"] = dict({"@type": f"{gke_type_group(group)}/{version}.{e['requestObject'].get('kind', '')}"},
                                      **e["requestObject"])
        if "responseObject" in e:
            payload["response"] = dict({"@type": f"{gke_type_group(group)}/{version}.{e['responseObject'].get('kind', '')}"},
                                       **e["responseObject"])
        elif code >= 400:
            payload["response"] = dict({"@type": "core.k8s.io/v1.Status", "apiVersion": "v1", "kind": "Status"},
                                       **{k: v for k, v in e["responseStatus"].items() if k != "metadata"})
        reads = e["verb"] in ("get", "list", "watch")
        entries.append({
            "insertId": e["auditID"],
            "labels": e.get("annotations", {}),
            "logName": "projects/shop-gke-4711/logs/cloudaudit.googleapis.com%2F" + ("data_access" if reads else "activity"),
            "operation": {"first": True, "id": e["auditID"], "last": True, "producer": "k8s.io"},
            "protoPayload": payload,
            "receiveTimestamp": rfc(parse_rfc(e["stageTimestamp"]) + 800 * MS),
            "resource": {"labels": {"cluster_name": cluster, "location": "europe-west1", "project_id": "shop-gke-4711"},
                         "type": "k8s_cluster"},
            "severity": "INFO" if code < 400 else "WARNING",
            "timestamp": e["requestReceivedTimestamp"],
        })
    return entries


def gke_node_pool_operation(t, last):
    """A GKE control-plane entry (container.googleapis.com): not a Kubernetes API request."""
    op = "operation-" + det_suffix("gke/node-pool/batch", 12) + "-" + det_uuid("gke/node-pool/op")[:8]
    payload = {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
               "authenticationInfo": {"principalEmail": BOB["username"]},
               "methodName": "google.container.v1.ClusterManager.CreateNodePool",
               "requestMetadata": {"callerIp": BOB_IP, "callerSuppliedUserAgent": "google-cloud-sdk gcloud/502.0.0"},
               "resourceName": "projects/shop-gke-4711/locations/europe-west1/clusters/shop-gke/nodePools/batch",
               "serviceName": "container.googleapis.com"}
    if not last:
        payload["request"] = {"@type": "type.googleapis.com/google.container.v1.CreateNodePoolRequest",
                              "nodePool": {"name": "batch", "initialNodeCount": 2, "config": {"machineType": "e2-standard-4"}}}
    return {"insertId": det_suffix(f"gke/op/{last}", 12), "logName": "projects/shop-gke-4711/logs/cloudaudit.googleapis.com%2Factivity",
            "operation": {"id": op, "producer": "container.googleapis.com", ("last" if last else "first"): True},
            "protoPayload": payload,
            "receiveTimestamp": rfc(t + 900 * MS),
            "resource": {"labels": {"cluster_name": "shop-gke", "location": "europe-west1", "nodepool_name": "batch",
                                    "project_id": "shop-gke-4711"}, "type": "gke_nodepool"},
            "severity": "NOTICE", "timestamp": rfc(t)}


AKS_RESOURCE = ("/SUBSCRIPTIONS/5F1C3B2A-8D4E-4F6A-9B7C-0E1D2C3B4A59/RESOURCEGROUPS/SHOP-RG/PROVIDERS/"
                "MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/SHOP-AKS")


def aks_blobs(events):
    """Diagnostic-settings records (category kube-audit) as a storage account archives them: one
    PT1H.json blob per hour, one record per line, `properties.log` the event as a string (Azure
    escapes its slashes)."""
    blobs = {}
    for i, e in enumerate(events):
        t = parse_rfc(e["stageTimestamp"])
        hour = EPOCH + timedelta(microseconds=t - t % HOUR)
        path = (f"insights-logs-kube-audit/resourceId={AKS_RESOURCE}/y={hour:%Y}/m={hour:%m}/d={hour:%d}/"
                f"h={hour:%H}/m=00/PT1H.json")
        log = json.dumps(go_json(e) + "\n").replace("/", "\\/")
        record = ('{"category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",'
                  f'"properties":{{"containerID":"{det_suffix("aks/cid", 12)}","log":{log},'
                  f'"pod":"kube-apiserver-7c9d8f6b5-{det_suffix("aks/pod", 5)}","stream":"stdout"}},'
                  f'"resourceId":"{AKS_RESOURCE}","serviceBuild":"na","time":"{e["stageTimestamp"][:-1]}0Z"}}\n')
        blobs.setdefault(path, []).append((record, e))
    return blobs


def shipped(events, shipper):
    """shop-prod's own events as a shipper wrote them out (the same requests: duplicates)."""
    lines = []
    for e in events:
        line = go_json(e)
        if shipper == "fluent-bit":
            # Fluent Bit's tail input without a parser, out_file in plain format.
            lines.append(json.dumps({"log": line}, separators=(",", ":")))
        elif shipper == "vector":
            lines.append(json.dumps({"file": "/var/log/kubernetes/audit/audit.log", "host": "control-plane-1",
                                     "message": line, "source_type": "file",
                                     "timestamp": e["stageTimestamp"][:-1] + "Z"}, separators=(",", ":")))
        elif shipper == "filebeat":
            lines.append(json.dumps({"@timestamp": e["stageTimestamp"][:23] + "Z",
                                     "agent": {"type": "filebeat", "version": "8.15.3"}, "ecs": {"version": "8.0.0"},
                                     "host": {"name": "control-plane-1"}, "input": {"type": "filestream"},
                                     "log": {"file": {"path": "/var/log/kubernetes/audit/audit.log"}},
                                     "message": line}, separators=(",", ":")))
        else:
            # containerd's log of kube-apiserver auditing to stdout (--audit-log-path=-).
            lines.append(f"{e['stageTimestamp'][:-1]}123Z stdout F {line}")
    return ("\n".join(lines) + "\n").encode()


# --------------------------------------------------------------------------
# writers (deterministic bytes)
# --------------------------------------------------------------------------

def jsonl(events):
    return "".join(go_json(e) + "\n" for e in events).encode()


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)   # no file name, mtime 0


def zst(data):
    env = {k: v for k, v in os.environ.items() if k not in ("ZSTD_CLEVEL", "ZSTD_NBTHREADS")}
    return subprocess.run(["zstd", "-q", "-3", "--no-progress", "-c"], input=data, stdout=subprocess.PIPE,
                          check=True, env=env).stdout


def tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data, mtime in sorted(members):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), mtime // SEC, 0o644
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            tf.addfile(ti, io.BytesIO(data))
    return gz(buf.getvalue())


def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data, when in sorted(entries):
            zi = zipfile.ZipInfo(name, date_time=when)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, data)
    return buf.getvalue()


def write(rel, data):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def item(ev):
    """EventList items carry no kind/apiVersion of their own."""
    return {k: v for k, v in ev.items() if k not in ("kind", "apiVersion")}


def eventlist(events):
    return {"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "metadata": {}, "items": [item(e) for e in events]}


def main():
    build()
    F_ZST = "shop-prod/audit-2026-11-20T15-00-00.000.log.zst"
    F_GZ = "shop-prod/audit-2026-11-21T03-00-00.000.log.gz"
    F_LIVE = "shop-prod/audit.log"
    F_TAR = "shop-prod/control-plane-2/audit-logs-2026-11-20.tar.gz"
    F_ZIP = "shop-prod/webhook/eventlist-batches.zip"
    TAR_M1, TAR_M2 = "audit-2026-11-20T12-00-00.000.log.gz", "audit-2026-11-21T00-00-00.000.log.gz"
    ZIP_E = ["eventlist-2026-11-21T18-00-00Z.json", "eventlist-2026-11-21T19-00-00Z.json",
             "eventlist-2026-11-21T20-00-00Z.json"]

    zst_ev = lines_between("cp1", DAY1, ROT_ZST)
    gz_ev = lines_between("cp1", ROT_ZST, ROT_GZ)
    live_ev = gz_ev[-5:] + lines_between("cp1", ROT_GZ, LIVE_END)        # overlapping sync: 5 duplicates
    hooks = [lines_between("cp1", LIVE_END + i * HOUR, LIVE_END + (i + 1) * HOUR) for i in range(3)]
    hooks[0] = live_ev[-3:] + hooks[0]                                    # 3 duplicates, re-serialized
    m1 = lines_between("cp2", DAY1, CP2_ROT1)
    m2 = lines_between("cp2", CP2_ROT1, CP2_END)

    write(F_ZST, zst(jsonl(zst_ev)))
    split = len(gz_ev) * 2 // 5
    write(F_GZ, gz(jsonl(gz_ev[:split])) + gz(jsonl(gz_ev[split:])))    # two gzip members
    write(F_LIVE, jsonl(live_ev))
    write(F_TAR, tar_gz([(TAR_M1, gz(jsonl(m1)), CP2_ROT1), (TAR_M2, gz(jsonl(m2)), CP2_END)]))
    batches = [json.dumps(eventlist(hooks[0]), indent=2, ensure_ascii=False).encode() + b"\n",
               go_json(eventlist(hooks[1])).encode() + b"\n",
               go_json(eventlist(hooks[2])).encode() + b"\n"]
    write(F_ZIP, zip_bytes([(ZIP_E[i], batches[i], (2026, 11, 21, 19 + i, 0, 0)) for i in range(3)]))

    # ---------------- the same activity elsewhere ----------------
    # Copies of shop-prod's own events through shippers: the same requests (all duplicates).
    cp1 = [ev for (_, _, ev) in sorted(STREAMS["cp1"], key=lambda x: (x[0], x[1]))]
    ship_files = {
        SHIP_FLUENT: ("fluent-bit", "exec-into-pod"),
        SHIP_VECTOR: ("vector", "webhook-failurepolicy-ignore"),
        SHIP_FILEBEAT: ("filebeat", "secret-sweep"),
        SHIP_CRI: ("containerd", "privileged-daemonset"),
    }
    shipped_ev = {}
    for path, (shipper, scenario) in ship_files.items():
        shipped_ev[path] = [e for e in cp1 if within(e, incident_windows(90 * SEC, {scenario}))]
        write(path, gz(shipped(shipped_ev[path], shipper)))
    # The same workload and incidents on managed clusters: the requests around each incident.
    around = [e for e in all_events() if within(e, incident_windows(60 * SEC))]
    eks, gke_source, aks = (replayed(around, c) for c in CLOUDS)
    exec_window = incident_windows(60 * SEC, {"exec-into-pod"})
    eks_cw = [e for e, o in zip(eks, around) if within(o, exec_window)]
    eks_fh = [e for e, o in zip(eks, around) if not within(o, exec_window)]
    write(F_EKS_FH, firehose_object(eks_fh, "shop-eks"))
    write(F_EKS_CW, filter_log_events(eks_cw, "shop-eks"))
    gke = gke_entries(gke_source, "shop-gke")
    gke_chosen = {e["auditID"]: e for e in gke_source if e["auditID"] in {g["insertId"] for g in gke}}
    gke_ev = [gke_chosen[g["insertId"]] for g in gke]
    pool_time = parse_rfc(gke_ev[len(gke_ev) // 2]["requestReceivedTimestamp"])
    operations = [gke_node_pool_operation(pool_time, False), gke_node_pool_operation(pool_time + 95 * SEC, True)]
    # `gcloud logging read` lists the newest entry first.
    listed = sorted(gke + operations, key=lambda g: (g["timestamp"], g["insertId"]), reverse=True)
    write(F_GKE, gz((json.dumps(listed, indent=2) + "\n").encode()))
    blobs = aks_blobs(aks)
    write(F_AKS, tar_gz([(path, "".join(r for r, _ in records).encode(), parse_rfc(records[-1][1]["stageTimestamp"]))
                         for path, records in blobs.items()]))

    # ---------------- ground truth ----------------
    files = {F_ZST: zst_ev, F_GZ: gz_ev, F_LIVE: live_ev, F_TAR: m1 + m2, F_ZIP: hooks[0] + hooks[1] + hooks[2]}
    files.update(shipped_ev)
    files.update({F_EKS_FH: eks_fh, F_EKS_CW: eks_cw, F_GKE: gke_ev, F_AKS: aks})
    formats = {F_ZST: "native", F_GZ: "native", F_LIVE: "native", F_TAR: "native", F_ZIP: "event-list",
               SHIP_FLUENT: "fluent", SHIP_VECTOR: "vector", SHIP_FILEBEAT: "filebeat", SHIP_CRI: "cri",
               F_EKS_FH: "eks-firehose", F_EKS_CW: "eks-cloudwatch", F_GKE: "gke", F_AKS: "aks"}
    members = {f"{F_TAR}:{TAR_M1}": m1, f"{F_TAR}:{TAR_M2}": m2,
               f"{F_GZ}:member-1": gz_ev[:split], f"{F_GZ}:member-2": gz_ev[split:]}
    for i in range(3):
        members[f"{F_ZIP}:{ZIP_E[i]}"] = hooks[i]
    for path, records in blobs.items():
        members[f"{F_AKS}:{path}"] = [e for _, e in records]
    every_ev = [e for evs in files.values() for e in evs]
    keys, ids, users, denied, codes = set(), set(), {}, set(), {}
    for f, evs in files.items():
        for e in evs:
            # A GKE entry is its own event (it is not the API server's event).
            keys.add(("gke", e["auditID"]) if f == F_GKE else json.dumps(item(e), sort_keys=True))
            ids.add(e["auditID"])
            users.setdefault(e["user"].get("username", ""), set()).add(e["auditID"])
            code = e.get("responseStatus", {}).get("code")
            if code is not None:
                codes.setdefault(e["auditID"], code)
                if code in (401, 403):
                    denied.add(e["auditID"])
    stages_per_id = {}
    for e in every_ev:
        stages_per_id.setdefault(e["auditID"], set()).add(e["stage"])
    recv = sorted(e["requestReceivedTimestamp"] for e in every_ev)
    code_counts = {}
    for c in codes.values():
        code_counts[str(c)] = code_counts.get(str(c), 0) + 1
    where = {}
    for f, evs in files.items():
        for e in evs:
            where.setdefault(e["auditID"], set()).add(f)
    for sid in list(PLANTED):
        PLANTED[sid] = PLANTED[sid] + [det_uuid(f"{c}/{a}") for c in CLOUDS for a in PLANTED[sid]]
    scenarios = [
        ("privileged-daemonset", "bob@example.com creates DaemonSet kube-system/node-debugger: privileged, hostPID, "
                                 "hostNetwork, hostPath / mounted at /host (RequestResponse)"),
        ("exec-into-pod", "alice@example.com runs an interactive `kubectl exec` (sh, tty) in shop/payments-7d9f8b6c5-x2x9k "
                          "(RequestReceived + ResponseStarted 101 + ResponseComplete 101)"),
        ("secret-sweep", "system:serviceaccount:shop:frontend GETs 25 different secrets in shop, payments and "
                         "kube-system within 2 minutes (15 x 403, 2 x 404, 8 x 200)"),
        ("brute-force-401", "40 requests answered 401 for 203.0.113.77 over 6 minutes around 2026-11-20T15:00Z, "
                            "split across the .zst and .gz files"),
        ("wildcard-clusterrole", "bob@example.com creates ClusterRole ops-everything (*/*/*) and ClusterRoleBinding "
                                 "ops-everything to ServiceAccount shop/frontend"),
        ("webhook-failurepolicy-ignore", "alice@example.com updates MutatingWebhookConfiguration istio-sidecar-injector, "
                                         "failurePolicy Fail -> Ignore"),
    ]
    truth = {
        "cluster": "shop-prod",
        "clusters": {"shop-prod": 0, **CLOUDS},
        "events": len(every_ev),
        "distinct_events": len(keys),
        "duplicate_events": len(every_ev) - len(keys),
        "distinct_requests": len(ids),
        "first_event": recv[0],
        "last_event": recv[-1],
        "denied_requests": len(denied),
        "requests_by_code": dict(sorted(code_counts.items())),
        "multi_stage_requests": sum(1 for s in stages_per_id.values() if len(s) > 1),
        "files": {f: len(evs) for f, evs in files.items()},
        "formats": {f: {formats[f]: len(evs)} for f, evs in files.items()},
        "members": {m: len(evs) for m, evs in members.items()},
        "users": {u: len(s) for u, s in sorted(users.items())},
        "cloud_operations": len(operations),
        "planted": [{"id": sid, "description": desc, "auditIDs": PLANTED[sid],
                     "files": sorted({f for a in PLANTED[sid] for f in where.get(a, ())})}
                    for sid, desc in scenarios],
        "notes": "Paths are relative to samples/. An event is a duplicate when it equals another event after "
                 "dropping kind/apiVersion (EventList items carry neither); equivalently when its "
                 "(auditID, stage) pair was already seen; every event of shop-prod/shipped/ is one. A GKE entry "
                 "is one event per completed request. members: 'archive:entry' for archive entries and "
                 "gzip members. requests_by_code counts each auditID once (first status seen). Cloud clusters "
                 "replay shop-prod's incidents `clusters` days later, with their own auditIDs.",
    }
    write(".truth.json", (json.dumps(truth, indent=2, sort_keys=True) + "\n").encode())
    write("README.md", readme(truth, files, split).encode())


def readme(truth, files, split):
    def reqs(evs):
        return len({e["auditID"] for e in evs})

    def period(evs):
        return f"{min(e['stageTimestamp'] for e in evs)[:16]}Z – {max(e['stageTimestamp'] for e in evs)[:16]}Z"

    rows = [
        ("shop-prod/audit.log", "live log of control-plane-1, JSON lines, plain"),
        ("shop-prod/audit-2026-11-21T03-00-00.000.log.gz", "control-plane-1, rotated at 03:00Z, gzip with 2 members"),
        ("shop-prod/audit-2026-11-20T15-00-00.000.log.zst", "control-plane-1, rotated at 15:00Z, zstd"),
        ("shop-prod/control-plane-2/audit-logs-2026-11-20.tar.gz",
         "control-plane-2, tar.gz holding two rotated .log.gz files"),
        ("shop-prod/webhook/eventlist-batches.zip",
         "control-plane-1 webhook backend: zip of 3 `EventList` JSON batches (the first is pretty-printed)"),
    ]
    table = "\n".join(f"| `{p}` | {d} | {period(files[p])} | {len(files[p])} | {reqs(files[p])} |" for p, d in rows)
    elsewhere = [
        (SHIP_FLUENT, "Fluent Bit: `tail` input of control-plane-1's `audit.log` without a parser, `file` output "
                      "in `plain` format (`{\"log\":\"<event>\"}`), rotated and gzip'd; the exec incident"),
        (SHIP_VECTOR, "Vector: `file` source, `file` sink with JSON encoding (`message` holds the event); "
                      "the webhook change"),
        (SHIP_FILEBEAT, "Filebeat: `filestream` input, `file` output (`message` beside `@timestamp`, `agent`, "
                        "`ecs`, `log`); the secret sweep"),
        (SHIP_CRI, "containerd: kube-apiserver auditing to stdout (`--audit-log-path=-`), as the kubelet "
                   "rotates the container log (`<time> stdout F <event>`); the privileged DaemonSet"),
        (F_EKS_FH, "EKS: a CloudWatch Logs subscription filter on `/aws/eks/shop-eks/cluster` to Amazon Data "
                   "Firehose, stored in S3 without Firehose compression: the gzip'd `DATA_MESSAGE` records "
                   "back to back, no newline, a `CONTROL_MESSAGE` first"),
        (F_EKS_CW, "EKS: `aws logs filter-log-events --log-group-name /aws/eks/shop-eks/cluster "
                   "--log-stream-name-prefix kube-apiserver-audit` (AWS CLI v2, JSON output); the exec incident"),
        (F_GKE, "GKE: `gcloud logging read 'logName:\"cloudaudit.googleapis.com\"' --format=json` (newest first), "
                "gzip'd; also 2 `container.googleapis.com` node-pool entries"),
        (F_AKS, "AKS: a diagnostic setting archiving `kube-audit` to a storage account (container "
                "`insights-logs-kube-audit`, one `PT1H.json` blob per hour), fetched with "
                "`az storage blob download-batch` and tarred"),
    ]
    table2 = "\n".join(f"| `{p}` | {d} | {period(files[p])} | {len(files[p])} | {reqs(files[p])} |"
                       for p, d in elsewhere)
    planted = "\n".join(f"- **{p['id']}** — {p['description']}. Found in: "
                        + ", ".join(f"`{f}`" for f in p["files"]) + "." for p in truth["planted"])
    return f"""# Sample audit logs: cluster `shop-prod`, and the same activity on EKS, GKE and AKS

Made-up kube-apiserver audit logs (`audit.k8s.io/v1`, Kubernetes {K8S}) of one small cluster: two
API servers (control-plane-1 `10.0.0.11` and control-plane-2 `10.0.0.12`), three worker nodes, about
two days from 2026-11-20T00:00Z. `scripts/generate-samples.py` writes every file here, including this README and
`.truth.json`. Don't edit them by hand.

| File | What it is | Period (stageTimestamp, UTC) | Events | Requests |
|---|---|---|---|---|
{table}

"Events" counts lines (or EventList items); "Requests" counts the distinct auditIDs among them.
`audit.log` begins with 5 events repeated from the `.gz`, and the first webhook batch begins with 3
events repeated from `audit.log`, so those periods start a few minutes early.
Within each file, lines are in `stageTimestamp` order, but for one line of the tarball: control-plane-2's
clock stepped back 4 s while a `get` was in flight, so its `ResponseComplete` is stamped 4 s before the
request was received (a clock anomaly the report's Completeness section lists). Rotated names follow lumberjack: the timestamp
is when the file was rotated. The `.gz` is two concatenated gzip members (split after line {split}).
The tarball contains `audit-2026-11-20T12-00-00.000.log.gz` and `audit-2026-11-21T00-00-00.000.log.gz`.
It covers 2026-11-20 only: control-plane-2's later log was not archived.
Webhook items have no `kind`/`apiVersion`. The pretty-printed batch was re-saved without Go's
`\\u0026` escaping.

## The same activity in other shapes

| File | What it is (the tool that writes this shape) | Period (stageTimestamp, UTC) | Events | Requests |
|---|---|---|---|---|
{table2}

`shop-prod/shipped/` holds copies of control-plane-1's own events (90 s around four incidents) as
shippers wrote them out: the same requests, so every one of them is a duplicate and they add no
request and no finding; the report lists them with their format.

`shop-eks/`, `shop-gke/` and `shop-aks/` are three managed clusters running the same workload, with
the same people and the same six incidents (each with the requests of the minute before and after),
{CLOUDS["shop-eks"]}, {CLOUDS["shop-gke"]} and {CLOUDS["shop-aks"]} days later. They are separate clusters, not copies of
`shop-prod`'s logs: each has its own audit IDs (another cluster's API server names its own requests)
and its own days. That is what keeps them apart in the report. KubeSift takes a cluster's name from
its directory (`--cluster-from-dir`) as a label only: a request is identified by its audit ID, stage and
what its stages share, so a second copy of the same events, in whatever format, counts once (as the
shipped files show), and a correlation (a brute force, a secret sweep) counts events by time, so the
incidents of one week would join those of another if they overlapped. The demo report shows each
incident once per cluster. GKE logs a request once, when it completes: its file has one entry per
completed request (the 401s, which the API server logs at `ResponseStarted`, included), and no stage,
level, groups or query string.

Totals, all clusters: **{truth['events']} events**, {truth['distinct_events']} distinct, {truth['distinct_requests']} requests
(auditIDs), {truth['denied_requests']} denied (401/403), {truth['first_event']} to {truth['last_event']};
{truth['cloud_operations']} GKE control-plane operations (not requests).
Machine-readable totals, per-user request counts and the planted auditIDs are in `.truth.json`.

## What it looks like

- Events are written like Go's `encoding/json` (field order, `\\u0026`/`\\u003c`/`\\u003e` escapes).
- Audit policy: most requests are at `Metadata` with `RequestReceived` omitted. Writes to pods and
  configmaps are at `Request`. Writes to deployments, daemonsets, RBAC and admission webhooks are at
  `RequestResponse` and include `RequestReceived`. Secrets are only ever logged at `Metadata`.
- Long-running requests (watch, `pods/log`, exec) also log `ResponseStarted`. Exec logs all three
  stages with code 101. Some watches begin in one file and finish in the next.
- Failed authentication (401) is logged once, at `ResponseStarted`, like kube-apiserver's
  failed-authentication filter does.
- Background traffic: kubelet leases, node status and watches, controller-manager/scheduler leader
  election, prometheus, coredns, kube-proxy, istiod, the cluster-autoscaler status configmap, health
  probes by `system:anonymous`,
  alice (SRE, read-only kubectl), bob (platform, deploys to `shop`) and the CI deployer
  `system:serviceaccount:ci:deployer` with the rollouts that follow.
- Benign look-alikes: the daemon-set-controller creating privileged `kube-proxy` pods, `kubectl logs`
  (`pods/log`) on the payments pod, a RoleBinding for `oidc:support`, and frontend's own configmap reads.
- Duplicates ({truth['duplicate_events']}): `audit.log` starts with the last 5 events of the `.gz`
  (overlapping sync). The pretty-printed webhook batch repeats the last 3 events of `audit.log`.
  Every event in `shop-prod/shipped/` repeats one of control-plane-1's.
- The traffic is thinned (leases renewed about every 15 min instead of every 10 s) to keep the folder
  under 1 MB. Watches still open when a log ends have no `ResponseComplete`.

## Planted activity

{planted}

Each incident is also in `shop-eks/`, `shop-gke/` and `shop-aks/` (their own auditIDs, listed in
`.truth.json` with the others), and four of them in `shop-prod/shipped/`.

Nothing else is meant to look suspicious.

## Regenerate

```sh
python3 scripts/generate-samples.py   # Python 3.11+, stdlib only, plus the zstd CLI
```

The seed is fixed and every archive is written with fixed metadata, so the output is byte-identical on
each run (given the same zlib and zstd versions). This also rewrites this README and `.truth.json`.
"""


if __name__ == "__main__":
    main()
