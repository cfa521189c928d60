import Foundation
import Yams

extension SpecParser {
    /// `executor: {kind: slurm, partition: cpu, time: 30m, parallelism: 64, sbatch_args: [...]}`.
    /// Values reach `sbatch` and Kubernetes manifests, so each is checked strictly: names are
    /// Slurm/Kubernetes identifiers, arguments hold no newline or NUL.
    func executor(_ node: Node) throws -> ExecutorSettings {
        var section = try mapping(node, "executor")
        guard let kindNode = section.take("kind") else {
            throw error(at: node, "missing field 'executor.kind'", hint: "kind: local, slurm or kubernetes")
        }
        let kindText = try string(kindNode, "executor.kind")
        guard let kind = ExecutorSettings.Kind(rawValue: kindText) else {
            throw error(at: kindNode, "unknown executor '\(kindText)'", hint: "use one of: local, slurm, kubernetes")
        }
        var settings = ExecutorSettings(kind: kind)
        if let value = section.take("remote") { settings.remote = try identifier(value, "executor.remote") }
        if let value = section.take("parallelism") { settings.parallelism = try positiveInt(value, "executor.parallelism", max: 100_000) }
        if let value = section.take("datums_per_task") { settings.datumsPerTask = try positiveInt(value, "executor.datums_per_task", max: 100_000) }
        if let value = section.take("partition") { settings.partition = try clusterName(value, "executor.partition") }
        if let value = section.take("account") { settings.account = try clusterName(value, "executor.account") }
        if let value = section.take("time") {
            let text = try scalarText(value, "executor.time")
            guard let seconds = SpecValues.seconds(text), seconds >= 60 else {
                throw error(at: value, "bad executor.time '\(text)'", hint: "a duration of at least a minute, e.g. 30m or 2h")
            }
            settings.timeMinutes = Int((seconds / 60).rounded(.up))
        }
        if let value = section.take("sbatch_args") {
            settings.sbatchArguments = try strings(value, "executor.sbatch_args")
            for argument in settings.sbatchArguments where argument.contains(where: { $0.isNewline || $0 == "\0" }) || !argument.hasPrefix("-") {
                throw error(at: value, "bad sbatch argument '\(argument)'", hint: "each is one option, e.g. \"--mem=4G\" or \"--gres=gpu:1\"")
            }
        }
        if let value = section.take("dver_path") {
            let path = try string(value, "executor.dver_path")
            guard path.hasPrefix("/"), !path.contains(where: { $0.isNewline || $0 == "\0" }) else {
                throw error(at: value, "bad executor.dver_path '\(path)'", hint: "the absolute path of dver on the nodes")
            }
            settings.dverPath = path
        }
        if let value = section.take("namespace") { settings.namespace = try clusterName(value, "executor.namespace") }
        if let value = section.take("secret") { settings.secret = try clusterName(value, "executor.secret") }
        if let value = section.take("worker_image") { settings.workerImage = try string(value, "executor.worker_image") }
        if let value = section.take("backoff_limit_per_index") {
            settings.backoffLimitPerIndex = try positiveInt(value, "executor.backoff_limit_per_index", max: 100)
        }
        try section.finish(self)
        return settings
    }

    /// Partition, account, namespace and Secret names: letters, digits, '.', '_', '-'.
    private func clusterName(_ node: Node, _ field: String) throws -> String {
        let text = try scalarText(node, field)
        guard !text.isEmpty, text.utf8.count <= 128,
              text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }) else {
            throw error(at: node, "bad \(field) '\(text)'", hint: "use letters, digits, '.', '_' and '-'")
        }
        return text
    }
}
