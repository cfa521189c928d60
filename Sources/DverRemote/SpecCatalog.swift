import DverCore

/// A pipeline spec as DverRemote moves it: a name and opaque bytes, stored on a remote as
/// `pipelines/<id>.json`, where `id` is the SHA-256 of the bytes. DverRemote never looks inside:
/// the `SpecCatalog` its caller supplies produces the bytes and checks what arrives.
public struct SpecBlob: Sendable, Equatable {
    public let name: String
    public let bytes: [UInt8]
    public let id: ObjectID

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        id = SHA256.hash(bytes)
    }
}

/// The project's pipeline specs, as push, fetch and pull need them. DverRemote does not know
/// pipelines (it never imports DverPipeline); DverCLI adapts the pipeline catalog to this.
public protocol SpecCatalog: Sendable {
    /// Every local spec, as it would be published.
    func localSpecs() throws -> [SpecBlob]

    /// Throws unless a received spec is acceptable content for its name. Called on every spec
    /// read from a remote (after its hash was verified) before it is stored anywhere, and on
    /// every spec before a push publishes it.
    func check(_ spec: SpecBlob) throws

    /// Throws unless these specs (checked) can join the local catalog once the pull has brought
    /// `arrivingRepos` (the repos it pulls). Called before the pull moves anything.
    func checkAdoption(_ specs: [SpecBlob], arrivingRepos: Set<String>) throws

    /// Adds or replaces these specs in the local catalog, after the pull moved its branches.
    func adopt(_ specs: [SpecBlob], arrivingRepos: Set<String>) throws
}

/// How one pipeline's spec compared, or moved, between the project and a remote.
public struct SpecUpdate: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case upToDate = "up-to-date"
        /// The receiving side had no spec of that name.
        case created
        /// The receiving side's spec was replaced: it had not changed since both sides agreed.
        case updated
        /// Both sides had changed; `--force` replaced the receiving side's spec.
        case forced
        /// Pull: the local spec changed (or was deleted) since it last matched the remote's,
        /// which has not changed since: kept (push publishes it).
        case kept
        /// Push: the remote's spec changed since it last matched the local one, which has not
        /// changed since: not pushed (pull takes it).
        case behind
    }

    public var name: String
    /// The local spec's hash before the operation (nil: none).
    public var local: ObjectID?
    /// The remote's spec hash before the operation (nil: none).
    public var remote: ObjectID?
    public var kind: Kind
}

/// How a remote-tracking spec moved in a fetch.
public struct SpecTrackingUpdate: Sendable, Equatable {
    public var name: String
    public var old: ObjectID?
    public var new: ObjectID
}

/// A local spec and a remote's, compared with the spec both last had (the base: see
/// `SpecTracking.base`). As in a three-way merge, only the side that differs from the base
/// has changed; nil (no spec) is a value like any other.
enum SpecComparison: Equatable {
    case same, localChanged, remoteChanged, bothChanged

    init(local: ObjectID?, base: ObjectID?, remote: ObjectID?) {
        if local == remote {
            self = .same
        } else if local == base {
            self = .remoteChanged
        } else if remote == base {
            self = .localChanged
        } else {
            self = .bothChanged
        }
    }
}
