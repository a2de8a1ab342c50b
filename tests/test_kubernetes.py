"""The Kubernetes manifests (deploy/kubernetes): each overlay renders, every document is valid
against the Kubernetes API's schemas (kubernetes-validate, strict: no unknown field), and the
deployment holds together (probes, the singleton beat, the migrations Job, what selects what).

Overlays are rendered by ``kubectl kustomize`` when kubectl is installed, and otherwise by
:func:`render`, a small kustomize of this test's own that knows just what our overlays use
(resources, namespace, images, strategic-merge patches, generators of literals); where both
exist they must agree.
"""

import base64
import copy
import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = sorted(path.name for path in (KUBERNETES / "overlays").iterdir() if path.is_dir())
# The oldest Kubernetes still widely run, and the newest the schemas know.
VERSIONS = ["1.29.0", "1.37.0"]
# Custom resources: no schema in kubernetes-validate (their operators validate them).
CUSTOM_KINDS = {("postgresql.cnpg.io/v1", "Cluster")}
CLUSTER_SCOPED = {"Namespace"}
APP = "risk-register"


# --- Rendering ------------------------------------------------------------------------------------
def _documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _merge(base, patch):
    """A strategic merge as kustomize does it for what our patches touch: maps merge, lists of
    named items (containers, ports) merge by name, other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    named = (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(item, dict) and "name" in item for item in base + patch)
        and patch
    )
    if named:
        merged = [copy.deepcopy(item) for item in base]
        for item in patch:
            index = next((i for i, old in enumerate(merged) if old["name"] == item["name"]), None)
            if index is None:
                merged.append(copy.deepcopy(item))
            else:
                merged[index] = _merge(merged[index], item)
        return merged
    return copy.deepcopy(patch)


def _generated(kind: str, spec: dict) -> dict:
    data = dict(literal.split("=", 1) for literal in spec.get("literals", []))
    document = {"apiVersion": "v1", "kind": kind, "metadata": {"name": spec["name"]}}
    if kind == "Secret":
        document["type"] = spec.get("type", "Opaque")
        data = {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
    document["data"] = data
    return document


def render(directory: Path) -> list[dict]:
    """The documents of a kustomization (our subset of kustomize)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    documents = []
    for resource in kustomization.get("resources", []):
        path = directory / resource
        documents += render(path) if path.is_dir() else _documents(path)
    assert not kustomization.get("generatorOptions") or kustomization["generatorOptions"] == {
        "disableNameSuffixHash": True
    }, "this renderer does not add kustomize's name hashes"
    for spec in kustomization.get("secretGenerator", []):
        documents.append(_generated("Secret", spec))
    for spec in kustomization.get("configMapGenerator", []):
        documents.append(_generated("ConfigMap", spec))
    for patch in kustomization.get("patches", []):
        for change in _documents(directory / patch["path"]):
            key = (change["kind"], change["metadata"]["name"])
            index = next(
                i
                for i, doc in enumerate(documents)
                if (doc["kind"], doc["metadata"]["name"]) == key
            )
            documents[index] = _merge(documents[index], change)
    for image in kustomization.get("images", []):
        for document in documents:
            for container in _containers(document):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    new_tag = image.get("newTag", tag)
                    container["image"] = image.get("newName", name) + (
                        f":{new_tag}" if new_tag else ""
                    )
    if kustomization.get("namespace"):
        for document in documents:
            if document["kind"] not in CLUSTER_SCOPED:
                document["metadata"]["namespace"] = kustomization["namespace"]
    return documents


def kustomize(directory: Path) -> list[dict]:
    result = subprocess.run(  # noqa: S603 - kubectl from PATH, our own directory
        [shutil.which("kubectl"), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request) -> tuple[str, list[dict]]:
    directory = KUBERNETES / "overlays" / request.param
    if shutil.which("kubectl"):
        return request.param, kustomize(directory)
    return request.param, render(directory)


def _containers(document: dict) -> list[dict]:
    spec = document.get("spec", {})
    pod = spec.get("template", {}).get("spec", {}) if "template" in spec else {}
    if document["kind"] == "Job":
        pod = spec["template"]["spec"]
    return pod.get("initContainers", []) + pod.get("containers", [])


def find(documents, kind: str, name: str) -> dict:
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def deployments(documents) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}


# --- Valid against the schemas --------------------------------------------------------------------
def _validate(document: dict, version: str) -> None:
    key = (document["apiVersion"], document["kind"])
    if key in CUSTOM_KINDS:
        return
    kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_rendered_document_is_valid_kubernetes(overlay, version):
    _, documents = overlay
    for document in documents:
        try:
            _validate(document, version)
        except kubernetes_validate.ValidationError as error:
            name = f"{document['kind']}/{document['metadata']['name']}"
            pytest.fail(f"{name}: {error.message} at {list(error.path)}")


def test_every_manifest_file_is_valid_kubernetes_on_its_own():
    """Files no overlay applies (the Secret's example) are checked too."""
    files = [
        path
        for path in KUBERNETES.rglob("*.yaml")
        if path.name != "kustomization.yaml" and not _is_patch(path)
    ]
    assert files
    for path in files:
        for document in _documents(path):
            _validate(document, VERSIONS[-1])


def _is_patch(path: Path) -> bool:
    """Patches are partial documents: they are checked once rendered."""
    kustomization = path.parent / "kustomization.yaml"
    if not kustomization.exists():
        return False
    patches = yaml.safe_load(kustomization.read_text()).get("patches", [])
    return path.name in {patch["path"] for patch in patches}


def test_our_renderer_agrees_with_kustomize():
    if not shutil.which("kubectl"):
        pytest.skip("kubectl is not installed: the overlays are rendered by this test alone")
    for name in OVERLAYS:
        directory = KUBERNETES / "overlays" / name

        def canonical(documents):
            documents = copy.deepcopy(documents)
            for document in documents:
                if document["kind"] == "Secret":  # kustomize folds long base64 values
                    document["data"] = {
                        key: base64.b64decode(re.sub(r"\s", "", value))
                        for key, value in document["data"].items()
                    }
            return sorted(yaml.safe_dump(d, sort_keys=True) for d in documents)

        assert canonical(render(directory)) == canonical(kustomize(directory)), name


def test_a_manifest_is_refused_when_it_is_not_valid():
    """The check can fail: an unknown field and a wrong type are refused."""
    web = copy.deepcopy(
        find(render(KUBERNETES / "overlays" / "production"), "Deployment", "risk-register-web")
    )
    web["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, VERSIONS[-1], strict=True)
    web["spec"]["replicas"] = 3
    web["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, VERSIONS[-1], strict=True)


# --- The deployment holds together ----------------------------------------------------------------
def test_web_is_ready_when_its_services_answer_and_alive_while_it_answers(overlay):
    _, documents = overlay
    web = find(documents, "Deployment", "risk-register-web")["spec"]["template"]["spec"]
    container = web["containers"][0]

    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["command"] == ["python", "manage.py", "start", "--no-migrate"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        headers = {h["name"]: h["value"] for h in container[probe]["httpGet"]["httpHeaders"]}
        assert headers["Host"] == "localhost"  # a host the app allows (see the ConfigMap)


def test_the_probes_host_is_allowed(overlay):
    _, documents = overlay
    allowed = find(documents, "ConfigMap", APP)["data"]["ALLOWED_HOSTS"].split(",")

    assert "localhost" in allowed


def test_beat_is_a_singleton_replaced_not_rolled(overlay):
    _, documents = overlay
    beat = find(documents, "Deployment", "risk-register-beat")["spec"]

    assert beat["replicas"] == 1
    assert beat["strategy"] == {"type": "Recreate"}
    assert "beat" in beat["template"]["spec"]["containers"][0]["command"]
    assert not [
        d
        for d in documents
        if d["kind"] == "HorizontalPodAutoscaler"
        and d["spec"]["scaleTargetRef"]["name"] == "risk-register-beat"
    ]


def test_migrations_run_as_a_job_and_the_pods_wait_for_them(overlay):
    _, documents = overlay
    job = find(documents, "Job", "risk-register-migrate")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]
    for name, deployment in deployments(documents).items():
        if not name.startswith(APP):
            continue
        waits = deployment["spec"]["template"]["spec"]["initContainers"]
        assert "migrate --check" in waits[0]["command"][-1], name


def test_workers_share_out_every_queue_and_exports_have_their_own(overlay):
    from django.conf import settings

    _, documents = overlay
    consumed = {}
    for name in ("risk-register-worker", "risk-register-worker-exports"):
        command = find(documents, "Deployment", name)["spec"]["template"]["spec"]["containers"][0][
            "command"
        ]
        consumed[name] = set(command[command.index("-Q") + 1].split(","))

    assert consumed["risk-register-worker-exports"] == {"exports"}
    assert set().union(*consumed.values()) == set(settings.WORKER_QUEUES)


def test_web_and_workers_scale_and_keep_serving_through_a_drain(overlay):
    _, documents = overlay
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in deployments(documents).items()
    }
    scaled = {
        d["spec"]["scaleTargetRef"]["name"]
        for d in documents
        if d["kind"] == "HorizontalPodAutoscaler"
    }
    assert {"risk-register-web", "risk-register-worker", "risk-register-worker-exports"} <= scaled
    assert scaled <= set(pods)
    budgets = [d for d in documents if d["kind"] == "PodDisruptionBudget"]
    protected = set()
    for budget in budgets:
        selector = budget["spec"]["selector"]["matchLabels"]
        matched = [n for n, labels in pods.items() if selector.items() <= labels.items()]
        assert matched, budget["metadata"]["name"]
        protected.update(matched)
    assert "risk-register-web" in protected and "risk-register-beat" not in protected


def test_every_container_asks_for_resources_and_has_limits(overlay):
    _, documents = overlay
    for document in documents:
        for container in _containers(document):
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), container["name"]
            assert "memory" in resources.get("limits", {}), container["name"]


def test_the_apps_pods_run_unprivileged_and_read_their_settings_from_a_secret(overlay):
    _, documents = overlay
    for name, deployment in deployments(documents).items():
        if not name.startswith(APP):
            continue
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in _containers(deployment):
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            sources = {
                next(iter(source)): next(iter(source.values()))["name"]
                for source in container["envFrom"]
            }
            assert sources == {"configMapRef": APP, "secretRef": APP}, name
            assert container["image"] != "ai-risk-register", "the overlay names an image"


def test_the_secret_is_made_by_hand_in_production_and_generated_only_locally(overlay):
    name, documents = overlay
    secrets = [d for d in documents if d["kind"] == "Secret"]
    if name == "production":
        assert secrets == []  # never committed: created as the README says
    else:
        keys = set(find(documents, "Secret", APP)["data"])
        assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= keys


def test_the_example_secret_names_every_key_the_app_needs():
    example = _documents(KUBERNETES / "base" / "secret.example.yaml")[0]

    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STORAGE_URL", "METRICS_TOKEN"} <= set(
        example["stringData"]
    )


def test_every_setting_in_the_config_map_is_one_the_app_reads(overlay):
    _, documents = overlay
    read = (ROOT / "config" / "settings.py").read_text() + (
        ROOT / "config" / "gunicorn.py"
    ).read_text()
    unknown = [
        key
        for key in find(documents, "ConfigMap", APP)["data"]
        if not re.search(rf"[\"']{key}[\"']", read)
    ]
    assert unknown == []


def test_services_and_the_ingress_reach_pods_that_exist(overlay):
    _, documents = overlay
    pods = [d["spec"]["template"]["metadata"]["labels"] for d in deployments(documents).values()]
    services = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Service"}
    for service in services.values():
        if service["spec"].get("type") == "ExternalName":
            continue
        selector = service["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in pods), service
    ingress = find(documents, "Ingress", APP)
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["name"] in services


def test_the_database_and_redis_are_named_where_the_secret_says(overlay):
    _, documents = overlay
    services = {d["metadata"]["name"] for d in documents if d["kind"] == "Service"}
    clusters = {d["metadata"]["name"] for d in documents if d["kind"] == "Cluster"}
    # CloudNativePG makes the Service <cluster>-rw for a Cluster.
    services |= {f"{cluster}-rw" for cluster in clusters}
    assert {"postgres-rw", "redis"} <= services
    if clusters:
        cluster = find(documents, "Cluster", "postgres")
        assert cluster["spec"]["bootstrap"]["initdb"]["secret"]["name"] in {
            d["metadata"]["name"] for d in documents if d["kind"] == "Secret"
        }


def test_a_network_policy_denies_everything_not_allowed(overlay):
    _, documents = overlay
    policies = {d["metadata"]["name"]: d["spec"] for d in documents if d["kind"] == "NetworkPolicy"}
    deny = policies["risk-register-default-deny"]

    assert deny["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": APP}}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    web_in = policies["risk-register-web-ingress"]["ingress"]
    assert [port["port"] for rule in web_in for port in rule["ports"]] == [8000]


def test_the_pods_user_is_the_images_own():
    dockerfile = (ROOT / "Dockerfile").read_text()
    uid = re.search(r"useradd [^\n]*--uid (\d+)", dockerfile)[1]

    for path in (KUBERNETES / "base").glob("*.yaml"):
        for document in _documents(path):
            pod = document.get("spec", {}).get("template", {}).get("spec", {})
            if "securityContext" in pod:
                assert pod["securityContext"]["runAsUser"] == int(uid), path.name
