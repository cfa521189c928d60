import ArgumentParser
import DverCore
import DverRemote
import DverRepository
import Foundation

struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Add, list, remove remotes and choose the default one.",
        discussion: """
        Remotes live in .dver/remotes.json (project state, never tracked by git). Credentials for S3 are never stored there: they come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE with ~/.aws/credentials, or the remote's --profile.

        Examples:
          dver remote add origin s3://my-bucket/datasets --endpoint http://127.0.0.1:8333
          dver remote add backup /mnt/nas/dver-backup
          dver remote list
          dver remote set-default backup
          dver remote remove backup
        """,
        subcommands: [Add.self, ListRemotes.self, Remove.self, SetDefault.self],
        defaultSubcommand: ListRemotes.self)

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a remote (the first one becomes the default).",
            discussion: """
            Examples:
              dver remote add origin s3://bucket/prefix --endpoint http://127.0.0.1:8333
              dver remote add origin s3://bucket --region eu-west-1            # AWS, virtual-hosted
              dver remote add origin s3://bucket --endpoint https://minio.lan --path-style --profile lab
              dver remote add nas /mnt/nas/dver
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Remote name (letters, digits, '.', '_', '-').")
        var name: String

        @Argument(help: "s3://BUCKET[/PREFIX] or a directory path.")
        var url: String

        @OptionGroup var s3: S3Options

        func run() throws {
            let project = try global.project()
            let location = try RemoteLocation(parsing: url, workingDirectory: workingDirectory)
            var registry = try RemoteRegistry.load(project.layout)
            try registry.add(s3.settings(name: name, location: location))
            try registry.save(project.layout)
            global.console.line("Added remote '\(name)' → \(location)\(registry.defaultRemote == name ? " (default)" : "")")
        }
    }

    struct ListRemotes: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List remotes.",
            discussion: """
            Examples:
              dver remote list
              dver remote list --json
            """)

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let project = try global.project()
            let registry = try RemoteRegistry.load(project.layout)
            if global.json {
                struct Item: Encodable {
                    let name: String; let url: String; let endpoint: String?; let region: String?; let path_style: Bool?
                    let profile: String?; let `default`: Bool
                }
                try global.console.emit(registry.remotes.map {
                    Item(name: $0.name, url: $0.url, endpoint: $0.endpoint, region: $0.region, path_style: $0.pathStyle,
                         profile: $0.profile, default: $0.name == registry.defaultRemote)
                })
                return
            }
            for remote in registry.remotes {
                var line = "\(remote.name == registry.defaultRemote ? "*" : " ") \(remote.name.padding(12)) \(remote.url)"
                if let endpoint = remote.endpoint { line += "  endpoint \(endpoint)" }
                if let region = remote.region { line += "  region \(region)" }
                if let profile = remote.profile { line += "  profile \(profile)" }
                global.console.data(line)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a remote and its remote-tracking refs (the remote itself is untouched).",
            discussion: """
            Examples:
              dver remote remove backup
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Remote name.")
        var name: String

        func run() throws {
            let project = try global.project()
            var registry = try RemoteRegistry.load(project.layout)
            try registry.remove(name)
            try project.refs.deleteRemoteTracking(remote: name, repos: try project.repos().map(\.name))
            try registry.save(project.layout)
            try? FileManager.default.removeItem(atPath: "\(project.layout.storeDirectory)/remotes/\(name)")
            global.console.line("Removed remote '\(name)'")
        }
    }

    struct SetDefault: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-default", abstract: "Make a remote the default for push, fetch and pull.",
            discussion: """
            Examples:
              dver remote set-default origin
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Remote name.")
        var name: String

        func run() throws {
            let project = try global.project()
            var registry = try RemoteRegistry.load(project.layout)
            try registry.setDefault(name)
            try registry.save(project.layout)
            global.console.line("Default remote is now '\(name)'")
        }
    }
}

/// S3 options shared by `remote add` and `clone`.
struct S3Options: ParsableArguments {
    @Option(help: "S3 endpoint URL, e.g. http://127.0.0.1:8333 (default: AWS).")
    var endpoint: String?

    @Option(help: "S3 region for signing (default: AWS_REGION or us-east-1).")
    var region: String?

    @Flag(name: .customLong("path-style"), help: "Path-style addressing (ENDPOINT/BUCKET/KEY); default with --endpoint.")
    var pathStyle = false

    @Flag(name: .customLong("virtual-hosted"), help: "Virtual-hosted addressing (BUCKET.HOST/KEY); default for AWS.")
    var virtualHosted = false

    @Option(help: "AWS profile in ~/.aws/credentials to take keys from.")
    var profile: String?

    func settings(name: String, location: RemoteLocation) throws -> RemoteSettings {
        if pathStyle, virtualHosted { throw ValidationError("choose one of --path-style and --virtual-hosted") }
        if case .directory = location, endpoint != nil || region != nil || pathStyle || virtualHosted || profile != nil {
            throw ValidationError("--endpoint, --region, --path-style, --virtual-hosted and --profile apply to s3:// remotes only")
        }
        return RemoteSettings(name: name, url: location.description, endpoint: endpoint, region: region,
                              pathStyle: pathStyle ? true : (virtualHosted ? false : nil), profile: profile)
    }
}

/// `[REMOTE] [REPO[@BRANCH][:PATH]]` as push, fetch and pull take them.
struct RemoteTarget {
    var remote: Remote
    var spec: RevisionSpec?

    /// The first argument is a remote when one has that name; otherwise it is the repo spec.
    static func resolve(_ first: String?, _ second: String?, project: Project, transfers: Int?) throws -> RemoteTarget {
        let registry = try RemoteRegistry.load(project.layout)
        var remoteName: String?
        var specText: String?
        if let first {
            if registry.remote(named: first) != nil || second != nil {
                remoteName = first
                specText = second
            } else {
                specText = first
            }
        }
        var settings = try registry.resolve(remoteName)
        if let transfers { settings.transfers = transfers }
        let remote = try Remote.open(settings, layout: project.layout)
        return RemoteTarget(remote: remote, spec: specText.map { RevisionSpec(parsing: $0) })
    }
}

extension GlobalOptions {
    /// The project, with progress bars counting objects (push, fetch, pull).
    func transferProject() throws -> Project {
        try Project.open(from: workingDirectory, progress: console.progress(itemNoun: "objects"))
    }
}

/// Downloads pinned data commits the store lacks from the default dver remote, if any, saying
/// what it fetched (used by `checkout --git` and the post-checkout hooks).
func fetchPinnedData(_ commits: [ObjectID], project: Project, console: Console) throws {
    let (objects, _) = try PinnedDataFetch.fetch(commits, project: project)
    if objects > 0 { console.notice("dver: fetched \(Format.count(objects, "object")) of pinned data from the dver remote") }
}
