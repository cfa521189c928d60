import DverServerSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real single-host Slurm cluster (scripts/slurm-cluster.sh: munged, slurmctld and N slurmd
/// nodes on loopback) in its own state directory and ports, taken down when released.
/// Suites using it are enabled when the Slurm tools are installed and we are root (slurmd
/// runs tasks as the submitting user); scripts/test.sh installs them.
final class SlurmCluster: @unchecked Sendable {
    static var isAvailable: Bool {
        getuid() == 0 && ["slurmctld", "slurmd", "sbatch", "squeue", "munged"].allSatisfy { tool in
            ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
    }

    let directory: String
    let port: Int
    let nodes: Int
    var configuration: String { "\(directory)/etc/slurm.conf" }
    /// The environment every Slurm command (and dver, which runs them) needs.
    var environment: [String: String] { ["SLURM_CONF": configuration] }

    static let script: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("scripts/slurm-cluster.sh").path
    }()

    init(nodes: Int = 3, cpus: Int = 8) throws {
        self.nodes = nodes
        directory = NSTemporaryDirectory() + "dver-slurm-\(UUID().uuidString.prefix(8))"
        port = try LoopbackPorts.free(count: nodes + 1)
        let result = try ExternalCommand.run(["bash", Self.script, "up", String(nodes)],
                                  environment: ["D": directory, "PORT": String(port), "CPUS": String(cpus)])
        guard result.status == 0 else {
            throw SlurmFailure(message: "slurm-cluster.sh up failed:\n\(result.output)")
        }
    }

    deinit { _ = try? ExternalCommand.run(["bash", Self.script, "down"], environment: ["D": directory, "PORT": String(port)]) }

    /// Runs a Slurm command against this cluster.
    @discardableResult
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try ExternalCommand.run(arguments, environment: environment)
    }

    /// SIGKILLs a node's slurmd and every process of the tasks it runs (their slurmstepd and
    /// everything below it), as a node crash would: the tasks are requeued once slurmctld
    /// notices the node is gone.
    func killNode(_ name: String) throws {
        let jobs = Set(try run(["squeue", "-h", "-w", name, "-o", "%A"]).output.split(separator: "\n").map(String.init))
        let pidFile = "\(directory)/run/slurmd-\(name).pid"
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let slurmd = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            _ = Glibc.kill(slurmd, SIGKILL)
        }
        var victims = [Int32]()
        for (pid, command) in Self.processes() where command.hasPrefix("slurmstepd: [") {
            let job = command.dropFirst("slurmstepd: [".count).prefix { $0 != "." && $0 != "]" }
            if jobs.contains(String(job)) { victims.append(pid) }
        }
        for pid in victims.flatMap(Self.tree) { _ = Glibc.kill(pid, SIGKILL) }
    }

    /// Every process: pid → command line.
    static func processes() -> [(Int32, String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            return (pid, String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self))
        }
    }

    /// `pid` and all its descendants (from the parent field of /proc/PID/stat).
    static func tree(_ root: Int32) -> [Int32] {
        var children = [Int32: [Int32]]()
        for (pid, _) in processes() {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(pid) }
        }
        var result = [root]
        var index = 0
        while index < result.count {
            result += children[result[index]] ?? []
            index += 1
        }
        return result
    }
}

struct SlurmFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
