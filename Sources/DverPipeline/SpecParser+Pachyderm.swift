import Foundation
import Yams

/// Fields only Pachyderm's pipeline specs have: each is mapped to dver's meaning, accepted with
/// a note saying it has no effect here, or refused saying what dver does instead — never
/// silently dropped (docs/PIPELINES.md, "From Pachyderm").
extension SpecParser {
    /// A field dver accepts without acting on it, or refuses.
    enum Disposition {
        /// Accepted; the note goes into the spec's notes (and every job's).
        case note(String)
        /// Refused with this explanation.
        case refuse(String)
    }

    private static let kubernetesScheduling = "has no effect: dver schedules datums itself (for a cluster, see executor: {kind: kubernetes} in docs/PIPELINES.md)"

    /// Top-level fields that dver does not act on.
    static let pachydermTopLevelOnly: [String: Disposition] = [
        "scheduling_spec": .note(kubernetesScheduling),
        "pod_spec": .note(kubernetesScheduling),
        "pod_patch": .note(kubernetesScheduling),
        "tolerations": .note(kubernetesScheduling),
        "sidecar_resource_limits": .note("has no effect: dver runs no storage sidecar"),
        "sidecar_resource_requests": .note("has no effect: dver runs no storage sidecar"),
        "datum_set_spec": .note("has no effect: dver hands out datums one by one (executor.datums_per_task groups them on a cluster)"),
        "maximum_expected_uptime": .note("has no effect: dver does not watch job durations (job_timeout stops a job)"),
        "spec_commit": .note("is ignored: it is written by 'pachctl inspect pipeline'"),
        "update": .note("is a pachctl request flag: use 'dver pipeline update FILE'"),
        "reprocess": .note("is a pachctl request flag: 'dver pipeline update' re-runs what the new spec changes"),
        "dry_run": .note("is a pachctl request flag and is ignored"),
        "standby": .note("(Pachyderm 1.x) has no effect: dver starts no long-lived workers"),
        "enable_stats": .note("(Pachyderm 1.x) has no effect: dver always records per-datum statistics (dver job inspect)"),
        "cache_size": .note("(Pachyderm 1.x) has no effect"),
        "max_queue_size": .note("(Pachyderm 1.x) has no effect"),
        "chunk_spec": .note("(Pachyderm 1.x) has no effect: dver hands out datums one by one"),
        "spout": .refuse("spouts are long-running programs pushing data in, and dver runs no services: run the program yourself and have it write with 'dver add' and 'dver commit' (or use a cron input and 'dver pipeline tick')"),
        "service": .refuse("services are long-running servers, and dver runs no services: run the server yourself, reading the output repo's files (dver checkout, or a mount)"),
        "s3_out": .refuse("dver gives the command no S3 gateway: write outputs to /pfs/out"),
        "tf_job": .refuse("Kubeflow TFJobs need Kubernetes: run the training as the transform's cmd"),
        "determined": .refuse("Determined integration needs Pachyderm's cluster: run the training as the transform's cmd"),
    ]

    /// Transform fields that dver does not act on.
    static let pachydermTransformOnly: [String: Disposition] = [
        "image_pull_secrets": .note("has no effect: images are pulled with podman's own credentials (podman login)"),
        "debug": .note("has no effect: dver always keeps each datum's log (dver logs JOB)"),
        "memory_volume": .note("has no effect: /pfs is a directory on the host's disk"),
        "dockerfile": .note("(Pachyderm 1.x) has no effect: build the image yourself"),
        "datum_batching": .refuse("datum batching needs Pachyderm's worker API (pachctl next datum): the command runs once per datum in dver"),
        "build": .refuse("(Pachyderm 1.x) build pipelines are not supported: build the image yourself and name it in 'image'"),
    ]

    /// pfs input fields that dver does not act on (`project`, `repo_type` are checked).
    static let pachydermPFSOnly: [String: Disposition] = [
        "s3": .refuse("dver serves inputs as files only: read them under /pfs/<name>"),
        "trigger": .refuse("dver runs a pipeline on every commit to its input branch: commit to that branch only when a job should run"),
    ]

    static let pachydermTopLevelFields = ["parallelism_spec", "resource_requests", "resource_limits", "job_timeout",
                                          "reprocess_spec", "egress", "salt", "metadata", "autoscaling"]
        + pachydermTopLevelOnly.keys.sorted()
    static let pachydermTransformFields = pachydermTransformOnly.keys.sorted()
    static let pachydermPFSFields = ["project", "repo_type"] + pachydermPFSOnly.keys.sorted()

    /// Fields dver took from Pachyderm, at any depth: a YAML spec using one is read as
    /// Pachyderm's and gets its defaults.
    static let pachydermMarkers: Set<String> = Set(pachydermTopLevelFields + pachydermTransformFields + pachydermPFSFields)
        .union(["outer_join", "group_by", "empty_files", "lazy", "err_cmd", "err_stdin", "accept_return_code", "secrets", "user",
                "group", "cron"])

    /// A YAML spec uses Pachyderm's format when it spells a field in camelCase or uses a field
    /// dver took from Pachyderm (`pachydermMarkers`); it then gets Pachyderm's defaults, as
    /// JSON specs do (docs/PIPELINES.md, "From Pachyderm").
    static func looksLikePachyderm(_ root: Node) -> Bool {
        func visit(_ node: Node, depth: Int) -> Bool {
            guard depth < 12 else { return false }
            switch node {
            case .mapping(let mapping):
                return mapping.contains { key, value in
                    let name = key.string ?? ""
                    if name != "URL", name != FieldReader.snakeCase(name) || pachydermMarkers.contains(name) { return true }
                    return name != "env" && name != "metadata" && visit(value, depth: depth + 1)
                }
            case .sequence(let sequence): return sequence.contains { visit($0, depth: depth + 1) }
            default: return false
            }
        }
        return visit(root, depth: 0)
    }

    /// Refuses the top-level fields dver cannot run (spout, service …) before anything else is
    /// checked: a spout has no input, and "missing field 'input'" would mislead.
    func refuseUnsupported(_ top: FieldReader) throws {
        for (field, disposition) in Self.pachydermTopLevelOnly.sorted(by: { $0.key < $1.key }) {
            guard case .refuse(let text) = disposition, let node = top.peek(field) else { continue }
            throw error(at: node, "\(field) is not supported", hint: text)
        }
    }

    /// Pachyderm's top-level fields: mapped into `spec`, or noted, or refused.
    func pachydermFields(_ top: inout FieldReader, into spec: inout PipelineSpec, notes: inout [String]) throws {
        if let node = top.take("parallelism_spec") {
            var section = try mapping(node, "parallelism_spec")
            if let value = section.take("constant") {
                spec.parallelism = try count(value, "parallelism_spec.constant", max: 256, zeroMeans: 1)
            }
            if let value = section.take("coefficient") {
                throw error(at: value, "parallelism_spec.coefficient is relative to a Kubernetes cluster's size, which dver does not have",
                            hint: "use parallelism_spec: {constant: N}")
            }
            try section.finish(self)
        }
        if let node = top.take("resource_limits") {
            spec.resources = try kubernetesResources(node, "resource_limits", notes: &notes)
        }
        if let node = top.take("resource_requests") {
            let requests = try kubernetesResources(node, "resource_requests", notes: &notes)
            if requests.memoryBytes != nil || requests.cpus != nil {
                notes.append("resource_requests (memory, cpu) are scheduling hints and are not enforced; resource_limits are")
            }
        }
        if let node = top.take("job_timeout") { spec.jobTimeout = try duration(node, "job_timeout") }
        if let node = top.take("reprocess_spec") {
            let text = try string(node, "reprocess_spec")
            guard let value = PipelineSpec.Reprocess(rawValue: text) else {
                throw error(at: node, "bad reprocess_spec '\(text)'", hint: "until_success (the default) or every_job")
            }
            spec.reprocess = value
        }
        if let node = top.take("egress") { spec.egress = try egress(node) }
        if let node = top.take("salt") { spec.salt = try scalarText(node, "salt") }
        if let node = top.take("metadata") { spec.metadata = try metadata(node) }
        if let node = top.take("autoscaling"), try bool(node, "autoscaling") {
            notes.append("autoscaling has no effect: dver starts a job's workers when it runs and stops them when it ends")
        }
        try dispositions(&top, Self.pachydermTopLevelOnly, section: "", notes: &notes)
    }

    func pachydermTransformFields(_ section: inout FieldReader, into transform: inout Transform, notes: inout [String]) throws {
        if let value = section.take("err_cmd") { transform.errCmd = try strings(value, "err_cmd") }
        if let value = section.take("err_stdin") { transform.errStdin = try strings(value, "err_stdin") }
        if let value = section.take("accept_return_code") {
            guard case .sequence(let codes) = value else { throw error(at: value, "'accept_return_code' must be a list of exit codes", hint: "accept_return_code: [1, 2]") }
            transform.acceptReturnCodes = try codes.map { code in
                guard let number = code.int, (1...255).contains(number) else {
                    throw error(at: code, "bad exit code '\(code.string ?? "?")' in accept_return_code", hint: "exit codes are 1 to 255 (0 always succeeds)")
                }
                return Int32(number)
            }
        }
        if let value = section.take("secrets") {
            guard case .sequence(let items) = value else { throw error(at: value, "'secrets' must be a list", hint: "secrets: [{name: db, key: password, env_var: DB_PASSWORD}]") }
            transform.secrets = try items.map(secret)
        }
        if let value = section.take("user") {
            let user = try scalarText(value, "user")
            let valid = !user.isEmpty && user.utf8.count <= 64
                && user.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-:".unicodeScalars.contains($0)) }
            guard valid else { throw error(at: value, "bad user '\(user)'", hint: "a user name, a uid, or uid:gid") }
            transform.user = user
        }
        try dispositions(&section, Self.pachydermTransformOnly, section: "transform.", notes: &notes)
    }

    func pachydermPFSFields(_ section: inout FieldReader, node: Node) throws {
        if let value = section.take("project") { try defaultProject(value, "pfs.project") }
        if let value = section.take("repo_type") {
            let type = try string(value, "repo_type")
            guard type == "user" else {
                throw error(at: value, "repo_type '\(type)' reads one of Pachyderm's internal repos, which dver does not have", hint: "remove repo_type (or set it to user)")
            }
        }
        var ignored = [String]()
        try dispositions(&section, Self.pachydermPFSOnly, section: "pfs.", notes: &ignored)
    }

    /// Pachyderm 2.5's projects: dver has one namespace, Pachyderm's `default` project.
    func defaultProject(_ node: Node, _ field: String) throws {
        let name: String
        if case .mapping = node {
            var section = try mapping(node, "project")
            name = try section.take("name").map { try string($0, "\(field).name") } ?? "default"
            try section.finish(self)
        } else {
            name = try string(node, field)
        }
        guard name == "default" || name.isEmpty else {
            throw error(at: node, "\(field) '\(name)': dver has no projects (one namespace per dver project, like Pachyderm's default project)",
                        hint: "remove the project, or set it to default")
        }
    }

    private func dispositions(_ section: inout FieldReader, _ table: [String: Disposition], section prefix: String, notes: inout [String]) throws {
        for field in table.keys.sorted() {
            guard let node = section.take(field) else { continue }
            switch table[field] {
            case .note(let text): notes.append("\(prefix)\(field) \(text)")
            case .refuse(let text): throw error(at: node, "\(prefix)\(field) is not supported", hint: text)
            case nil: break
            }
        }
    }

    /// Pachyderm's cron input: ticks go into repo `<pipeline>_<name>` (docs/PIPELINES.md, "Cron inputs").
    func cron(_ node: Node, pipeline: String) throws -> CronInput {
        var section = try mapping(node, "cron")
        guard let nameNode = section.take("name") else { throw error(at: node, "missing field 'cron.name'", hint: "add name: tick") }
        let name = try identifier(nameNode, "cron.name")
        guard let specNode = section.take("spec") else { throw error(at: node, "missing field 'cron.spec'", hint: "a schedule such as \"*/10 * * * *\" or \"@every 60s\"") }
        let text = try string(specNode, "cron.spec")
        do { _ = try CronSchedule(text) } catch let problem as CronSchedule.Problem {
            throw error(at: specNode, "bad cron spec '\(text)': \(problem.reason)", hint: "five fields (minute hour day month weekday) such as \"*/10 * * * *\", @hourly, @daily, or \"@every 90s\"")
        }
        var cron = CronInput(name: name, repo: "\(pipeline)_\(name)", spec: text)
        if let value = section.take("repo") { cron.repo = try identifier(value, "cron.repo") }
        if let value = section.take("overwrite") { cron.overwrite = try bool(value, "cron.overwrite") }
        if let value = section.take("start") {
            let text = try scalarText(value, "cron.start")
            guard let date = CronSchedule.parseTime(text) else {
                throw error(at: value, "bad cron.start '\(text)'", hint: "an RFC 3339 time such as 2026-01-01T00:00:00Z")
            }
            cron.start = floor(date.timeIntervalSince1970)
        }
        if let value = section.take("project") { try defaultProject(value, "cron.project") }
        try section.finish(self)
        return cron
    }

    /// `count` in protobuf style: 0 is "unset" and means the default.
    func count(_ node: Node, _ field: String, max: Int, zeroMeans: Int) throws -> Int {
        guard case .scalar = node, let value = node.int, value >= 0, value <= max else {
            throw error(at: node, "'\(field)' must be a whole number from 1 to \(max)", hint: nil)
        }
        return value == 0 ? zeroMeans : value
    }

    private func kubernetesResources(_ node: Node, _ field: String, notes: inout [String]) throws -> Resources {
        var section = try mapping(node, field)
        var result = Resources()
        if let value = section.take("memory") {
            let text = try scalarText(value, "\(field).memory")
            guard let bytes = SpecValues.kubernetesBytes(text), bytes >= 1 << 20 else {
                throw error(at: value, "bad \(field).memory '\(text)'", hint: "a Kubernetes quantity of at least 1Mi, e.g. 512Mi, 2G or 1.5Gi")
            }
            result.memoryBytes = bytes
        }
        if let value = section.take("cpu") {
            let text = try scalarText(value, "\(field).cpu")
            guard let cpus = SpecValues.kubernetesCPUs(text), cpus > 0, cpus <= 1024 else {
                throw error(at: value, "bad \(field).cpu '\(text)'", hint: "a number of CPUs such as 1, 0.5 or 500m")
            }
            result.cpus = cpus
        }
        if let value = section.take("gpu") {
            var gpu = try mapping(value, "gpu")
            let type = try gpu.take("type").map { try string($0, "gpu.type") } ?? "gpu"
            let number = try gpu.take("number").map { try scalarText($0, "gpu.number") } ?? "1"
            try gpu.finish(self)
            notes.append("\(field).gpu (\(number) × \(type)) is not assigned: the datum sees the host's devices as its runtime allows")
        }
        if let value = section.take("disk") {
            notes.append("\(field).disk (\(try scalarText(value, "\(field).disk"))) is not enforced: datums use the project's .dver/tmp")
        }
        try section.finish(self)
        return result
    }

    private func egress(_ node: Node) throws -> String {
        var section = try mapping(node, "egress")
        var url: String?
        if let value = section.take("URL") ?? section.take("url") { url = try string(value, "egress.URL") }
        if let value = section.take("object_storage") {
            var storage = try mapping(value, "object_storage")
            if let inner = storage.take("url") ?? storage.take("URL") { url = try string(inner, "egress.object_storage.url") }
            try storage.finish(self)
        }
        if let value = section.take("sql_database") {
            throw error(at: value, "egress to a SQL database is not supported", hint: "egress to an S3 URL (s3://bucket/prefix) or a directory, and load from there")
        }
        try section.finish(self)
        guard let url, !url.isEmpty else { throw error(at: node, "egress needs a URL", hint: "egress: {URL: \"s3://bucket/prefix\"} or a directory path") }
        guard url.hasPrefix("s3://") || url.hasPrefix("/") || url.hasPrefix("file://") else {
            throw error(at: node, "egress URL '\(url)' is not supported", hint: "an S3 URL (s3://bucket/prefix, endpoint from the remote settings or AWS_ENDPOINT_URL) or an absolute directory")
        }
        return url
    }

    private func metadata(_ node: Node) throws -> SpecMetadata {
        var section = try mapping(node, "metadata")
        var result = SpecMetadata()
        func pairs(_ value: Node, _ field: String) throws -> [String: String] {
            guard case .mapping(let mapping) = value else { throw error(at: value, "'\(field)' must be a mapping", hint: nil) }
            var result = [String: String]()
            for (key, item) in mapping { result[try scalarText(key, field)] = try scalarText(item, field) }
            return result
        }
        if let value = section.take("annotations") { result.annotations = try pairs(value, "metadata.annotations") }
        if let value = section.take("labels") { result.labels = try pairs(value, "metadata.labels") }
        try section.finish(self)
        return result
    }

    private func secret(_ node: Node) throws -> SecretReference {
        var section = try mapping(node, "secret")
        guard let nameNode = section.take("name") else { throw error(at: node, "missing field 'secrets[].name'", hint: "the secret's name (its directory under the secrets directory)") }
        let name = try identifier(nameNode, "secret name")
        let key = try section.take("key").map { try identifier($0, "secret key") }
        var envVar: String?
        if let value = section.take("env_var") {
            let text = try string(value, "env_var")
            guard let first = text.unicodeScalars.first, !CharacterSet.decimalDigits.contains(first),
                  text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }) else {
                throw error(at: value, "bad env_var '\(text)'", hint: "letters, digits and '_', not starting with a digit")
            }
            envVar = text
        }
        var mountPath: String?
        if let value = section.take("mount_path") {
            let text = try string(value, "mount_path")
            guard text.hasPrefix("/"), !text.hasPrefix("/pfs"), !text.split(separator: "/").contains("..") , text.count > 1 else {
                throw error(at: value, "bad mount_path '\(text)'", hint: "an absolute directory outside /pfs, e.g. /secrets/db")
            }
            mountPath = text
        }
        try section.finish(self)
        if envVar != nil, key == nil { throw error(at: node, "a secret with env_var needs a key", hint: "add key: KEY (the file holding the value)") }
        if envVar == nil, mountPath == nil { throw error(at: node, "a secret needs env_var (with key) or mount_path", hint: "e.g. {name: db, key: password, env_var: DB_PASSWORD}") }
        return SecretReference(name: name, key: key, envVar: envVar, mountPath: mountPath)
    }
}
