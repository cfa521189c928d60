import Foundation
import Yams

/// A parsed spec written back as YAML that `SpecParser` reads: how a spec that arrived as JSON
/// (from a remote) is put through exactly the checks a spec file gets, and the text `dver
/// pipeline inspect` shows for it. Every field is written out (defaults too), strings
/// double-quoted (any character survives; unprintable ones escaped), numbers and booleans plain.
extension PipelineSpec {
    /// The top-level fields `yamlText` writes. A field added to `PipelineSpec` must be added
    /// here and to `yamlNode`, or every spec received from a remote is refused (a test
    /// compares this list with the fields the JSON encoding has).
    static let yamlFields = ["name", "description", "input", "transform", "runtime", "parallelism", "datum_tries",
                             "datum_timeout", "resources", "output_branch", "executor", "job_timeout", "reprocess_spec",
                             "egress", "salt", "metadata", "notes"]

    /// The spec as YAML.
    /// - Throws: `YamlError` when the emitter refuses (it does not for strings Swift can hold).
    public func yamlText() throws -> String {
        try Yams.serialize(node: yamlNode, width: -1, allowUnicode: true)
    }

    var yamlNode: Node {
        var fields: [(Node, Node)] = [(Self.key("name"), Self.text(name))]
        if !description.isEmpty { fields.append((Self.key("description"), Self.text(description))) }
        fields.append((Self.key("input"), Self.node(input)))
        fields.append((Self.key("transform"), Self.node(transform)))
        fields.append((Self.key("runtime"), Self.text(runtime.rawValue)))
        fields.append((Self.key("parallelism"), Self.plain(String(parallelism))))
        fields.append((Self.key("datum_tries"), Self.plain(String(datumTries))))
        if let datumTimeout { fields.append((Self.key("datum_timeout"), Self.plain("\(datumTimeout)"))) }
        var limits: [(Node, Node)] = []
        if let memory = resources.memoryBytes { limits.append((Self.key("memory"), Self.plain(String(memory)))) }
        if let cpus = resources.cpus { limits.append((Self.key("cpus"), Self.plain("\(cpus)"))) }
        if !limits.isEmpty { fields.append((Self.key("resources"), .mapping(Node.Mapping(limits)))) }
        fields.append((Self.key("output_branch"), Self.text(outputBranch)))
        if let executor { fields.append((Self.key("executor"), Self.node(executor))) }
        if let jobTimeout { fields.append((Self.key("job_timeout"), Self.plain("\(jobTimeout)"))) }
        if reprocess != .untilSuccess { fields.append((Self.key("reprocess_spec"), Self.text(reprocess.rawValue))) }
        if let egress { fields.append((Self.key("egress"), .mapping(Node.Mapping([(Self.key("URL"), Self.text(egress))])))) }
        if let salt { fields.append((Self.key("salt"), Self.text(salt))) }
        if let metadata {
            func pairs(_ values: [String: String]) -> Node {
                .mapping(Node.Mapping(values.sorted { $0.key < $1.key }.map { (Self.text($0.key), Self.text($0.value)) }))
            }
            fields.append((Self.key("metadata"), .mapping(Node.Mapping([(Self.key("annotations"), pairs(metadata.annotations)),
                                                                         (Self.key("labels"), pairs(metadata.labels))]))))
        }
        if !notes.isEmpty { fields.append((Self.key("notes"), Self.list(notes))) }
        return .mapping(Node.Mapping(fields))
    }

    private static func node(_ executor: ExecutorSettings) -> Node {
        var fields: [(Node, Node)] = [(key("kind"), text(executor.kind.rawValue))]
        func add(_ name: String, _ value: String?) { if let value { fields.append((key(name), text(value))) }
        }
        func add(_ name: String, _ value: Int?) { if let value { fields.append((key(name), plain(String(value)))) } }
        add("remote", executor.remote)
        add("parallelism", executor.parallelism)
        add("datums_per_task", executor.datumsPerTask)
        add("partition", executor.partition)
        add("account", executor.account)
        add("time", executor.timeMinutes.map { "\($0)m" })
        if !executor.sbatchArguments.isEmpty { fields.append((key("sbatch_args"), .sequence(Node.Sequence(executor.sbatchArguments.map(text))))) }
        add("dver_path", executor.dverPath)
        add("namespace", executor.namespace)
        add("secret", executor.secret)
        add("worker_image", executor.workerImage)
        add("backoff_limit_per_index", executor.backoffLimitPerIndex)
        return .mapping(Node.Mapping(fields))
    }

    private static func node(_ input: PipelineInput) -> Node {
        switch input {
        case .pfs(let pfs):
            var fields: [(Node, Node)] = [(key("repo"), text(pfs.repo)), (key("name"), text(pfs.name)),
                                          (key("branch"), text(pfs.branch)), (key("glob"), text(pfs.glob))]
            if let joinOn = pfs.joinOn { fields.append((key("join_on"), text(joinOn))) }
            if pfs.outerJoin { fields.append((key("outer_join"), plain("true"))) }
            if let groupBy = pfs.groupBy { fields.append((key("group_by"), text(groupBy))) }
            if let commit = pfs.commit { fields.append((key("commit"), text(commit))) }
            if pfs.emptyFiles { fields.append((key("empty_files"), plain("true"))) }
            if pfs.lazy { fields.append((key("lazy"), plain("true"))) }
            return .mapping(Node.Mapping([(key("pfs"), .mapping(Node.Mapping(fields)))]))
        case .cron(let cron):
            var fields: [(Node, Node)] = [(key("name"), text(cron.name)), (key("repo"), text(cron.repo)), (key("spec"), text(cron.spec))]
            if cron.overwrite { fields.append((key("overwrite"), plain("true"))) }
            if let start = cron.start { fields.append((key("start"), text(CronSchedule.tickName(Date(timeIntervalSince1970: start))))) }
            return .mapping(Node.Mapping([(key("cron"), .mapping(Node.Mapping(fields)))]))
        case .cross(let inputs): return combination("cross", inputs)
        case .union(let inputs): return combination("union", inputs)
        case .join(let inputs): return combination("join", inputs)
        case .group(let inputs): return combination("group", inputs)
        }
    }

    private static func combination(_ kind: String, _ inputs: [PipelineInput]) -> Node {
        .mapping(Node.Mapping([(key(kind), .sequence(Node.Sequence(inputs.map(node))))]))
    }

    private static func node(_ transform: Transform) -> Node {
        var fields: [(Node, Node)] = [(key("image"), text(transform.image)),
                                      (key("cmd"), .sequence(Node.Sequence(transform.cmd.map(text))))]
        if !transform.stdin.isEmpty { fields.append((key("stdin"), .sequence(Node.Sequence(transform.stdin.map(text))))) }
        if !transform.env.isEmpty {
            fields.append((key("env"), .mapping(Node.Mapping(transform.env.sorted { $0.key < $1.key }.map { (text($0.key), text($0.value)) }))))
        }
        if let directory = transform.workingDirectory { fields.append((key("working_dir"), text(directory))) }
        fields.append((key("network"), plain(transform.network ? "true" : "false")))
        if !transform.errCmd.isEmpty { fields.append((key("err_cmd"), list(transform.errCmd))) }
        if !transform.errStdin.isEmpty { fields.append((key("err_stdin"), list(transform.errStdin))) }
        if !transform.acceptReturnCodes.isEmpty {
            fields.append((key("accept_return_code"), .sequence(Node.Sequence(transform.acceptReturnCodes.map { plain(String($0)) }))))
        }
        if !transform.secrets.isEmpty {
            fields.append((key("secrets"), .sequence(Node.Sequence(transform.secrets.map { secret in
                var items: [(Node, Node)] = [(key("name"), text(secret.name))]
                if let value = secret.key { items.append((key("key"), text(value))) }
                if let value = secret.envVar { items.append((key("env_var"), text(value))) }
                if let value = secret.mountPath { items.append((key("mount_path"), text(value))) }
                return .mapping(Node.Mapping(items))
            }))))
        }
        if let user = transform.user { fields.append((key("user"), text(user))) }
        return .mapping(Node.Mapping(fields))
    }

    private static func key(_ name: String) -> Node { plain(name) }
    private static func list(_ values: [String]) -> Node { .sequence(Node.Sequence(values.map(text))) }
    private static func plain(_ value: String) -> Node { .scalar(Node.Scalar(value, .implicit, .plain)) }
    private static func text(_ value: String) -> Node { .scalar(Node.Scalar(value, .implicit, .doubleQuoted)) }
}
