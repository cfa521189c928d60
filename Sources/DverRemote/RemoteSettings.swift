import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// One configured remote, as kept in `.dver/remotes.json` (untracked project state; never
/// holds secrets — credentials come from the environment or an AWS profile).
public struct RemoteSettings: Codable, Sendable, Equatable {
    public var name: String
    /// `s3://BUCKET[/PREFIX]` or an absolute directory path.
    public var url: String
    /// S3 endpoint, e.g. `http://127.0.0.1:8333`; default `https://s3.REGION.amazonaws.com`.
    public var endpoint: String?
    public var region: String?
    /// Path-style addressing (`ENDPOINT/BUCKET/KEY`) instead of virtual-hosted
    /// (`BUCKET.HOST/KEY`). Default: path style when an endpoint is given.
    public var pathStyle: Bool?
    /// AWS profile in ~/.aws/credentials to take keys from.
    public var profile: String?
    /// Requests run at once (default 8).
    public var transfers: Int?

    public init(name: String, url: String, endpoint: String? = nil, region: String? = nil, pathStyle: Bool? = nil,
                profile: String? = nil, transfers: Int? = nil) {
        self.name = name
        self.url = url
        self.endpoint = endpoint
        self.region = region
        self.pathStyle = pathStyle
        self.profile = profile
        self.transfers = transfers
    }

    enum CodingKeys: String, CodingKey {
        case name, url, endpoint, region, profile, transfers
        case pathStyle = "path_style"
    }

    /// Remote names follow the repo name rules (`NameRules.repoNameProblem`): they name
    /// directories under `.dver/remotes/` and `refs/REPO/remotes/`.
    public static func validateName(_ name: String) throws {
        if NameRules.repoNameProblem(name) != nil { throw RemoteError.invalidRemoteName(name) }
    }
}

/// `.dver/remotes.json`: the configured remotes and the default one.
public struct RemoteRegistry: Codable, Sendable, Equatable {
    public var version = 1
    public var defaultRemote: String?
    public var remotes: [RemoteSettings] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case version, remotes
        case defaultRemote = "default"
    }

    public static func path(in layout: StoreLayout) -> String { "\(layout.storeDirectory)/remotes.json" }

    /// - Throws: `RemoteError.invalidConfig` when the file does not parse.
    public static func load(_ layout: StoreLayout) throws -> RemoteRegistry {
        let path = path(in: layout)
        guard FileSystem.exists(path) else { return RemoteRegistry() }
        do {
            let registry = try JSONDecoder().decode(RemoteRegistry.self, from: Data(try FileSystem.readFile(path)))
            guard registry.version <= 1 else {
                throw RemoteError.invalidConfig(path: path, reason: "written by a newer dver (version \(registry.version)); upgrade dver")
            }
            return registry
        } catch let error as DecodingError {
            throw RemoteError.invalidConfig(path: path, reason: "\(error)")
        }
    }

    public func save(_ layout: StoreLayout) throws {
        var sorted = self
        sorted.remotes.sort { $0.name < $1.name }
        try JSONFile.save(sorted, to: Self.path(in: layout))
    }

    public func remote(named name: String) -> RemoteSettings? { remotes.first { $0.name == name } }

    /// The named remote, or the default one when `name` is nil.
    /// - Throws: `RemoteError.unknownRemote`, `.noDefaultRemote`.
    public func resolve(_ name: String?) throws -> RemoteSettings {
        guard let wanted = name ?? defaultRemote ?? (remotes.count == 1 ? remotes[0].name : nil) else {
            throw RemoteError.noDefaultRemote
        }
        guard let settings = remote(named: wanted) else {
            throw RemoteError.unknownRemote(wanted, known: remotes.map(\.name))
        }
        return settings
    }

    /// Adds a remote; the first one becomes the default.
    public mutating func add(_ settings: RemoteSettings) throws {
        try RemoteSettings.validateName(settings.name)
        if remote(named: settings.name) != nil { throw RemoteError.remoteExists(settings.name) }
        remotes.append(settings)
        if defaultRemote == nil { defaultRemote = settings.name }
    }

    public mutating func remove(_ name: String) throws {
        guard remote(named: name) != nil else { throw RemoteError.unknownRemote(name, known: remotes.map(\.name)) }
        remotes.removeAll { $0.name == name }
        if defaultRemote == name { defaultRemote = nil }
    }

    public mutating func setDefault(_ name: String) throws {
        guard remote(named: name) != nil else { throw RemoteError.unknownRemote(name, known: remotes.map(\.name)) }
        defaultRemote = name
    }
}
