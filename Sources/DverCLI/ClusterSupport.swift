import ArgumentParser
import DverCluster
import DverPipeline
import DverRemote
import DverRepository
import Foundation

/// The hook between DverPipeline's JobRunner and the cluster executors: a factory that makes
/// the dispatcher for a spec's (or `--executor`'s) executor, with the project's remote.
enum ClusterSupport {
    /// - Parameter printManifest: Kubernetes only: print the Indexed Job instead of applying it.
    static func factory(_ project: Project, printManifest: (@Sendable (String) -> Void)? = nil) -> DispatcherFactory {
        { settings in
            let environment = ProcessInfo.processInfo.environment
            let remote = try RemoteRegistry.load(project.layout).resolve(settings.remote)
            let dver = settings.dverPath ?? ownExecutable()
            let engine: any ClusterEngine
            switch settings.kind {
            case .slurm:
                engine = SlurmEngine(settings: settings, outputDirectory: "\(project.layout.storeDirectory)/jobs", environment: environment)
            case .kubernetes:
                engine = KubernetesEngine(settings: settings, dverPath: dver, environment: environment)
            case .local:
                preconditionFailure("the local executor needs no dispatcher")
            }
            var dispatcher = ClusterDispatcher(settings: settings, remote: remote, engine: engine, dverPath: dver, environment: environment)
            if settings.kind == .kubernetes { dispatcher.printManifest = printManifest }
            return dispatcher
        }
    }

    /// The running dver's own path (the default dver on the nodes: a shared file system).
    static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

extension ExecutorSettings.Kind: ExpressibleByArgument {}
