import DverAccess
import DverCore
import DverRepository
import DverStore
import Foundation

/// The S3 API over a project's repos, read-only: bucket = repo, key = `<revision>/<path>`.
/// Answers one request at a time from any thread; the HTTP layer (`S3Server`) calls it from its
/// worker threads. Every request is authenticated first.
public struct S3Service: Sendable {
    public struct Settings: Sendable {
        /// Keys whose signatures are accepted.
        public var keys: ServeKeys
        /// Unsigned requests are served (and signed ones need not verify).
        public var anonymous: Bool
        /// Answered by GetBucketLocation; any region is accepted in signatures.
        public var region: String
        /// Virtual-hosted-style requests: `Host: <bucket>.<domain>`.
        public var domain: String

        public init(keys: ServeKeys = ServeKeys(), anonymous: Bool = false, region: String = "us-east-1", domain: String = "localhost") {
            self.keys = keys
            self.anonymous = anonymous
            self.region = region
            self.domain = domain
        }
    }

    public let lookup: RevisionLookup
    public let settings: Settings

    public init(lookup: RevisionLookup, settings: Settings) {
        self.lookup = lookup
        self.settings = settings
    }

    /// The response to `request`; failures become S3 error documents.
    public func respond(to request: S3Request, requestID: String, now: Date = Date()) -> S3Response {
        do {
            try authenticate(request, now: now)
            return try route(request)
        } catch let error as S3Error {
            return .error(error, requestID: requestID, head: request.method == "HEAD")
        } catch let error as AccessError {
            return .error(Self.s3Error(error), requestID: requestID, head: request.method == "HEAD")
        } catch {
            return .error(.internalError("\(error)"), requestID: requestID, head: request.method == "HEAD")
        }
    }

    private func authenticate(_ request: S3Request, now: Date) throws {
        if settings.anonymous {
            // Anonymous access allows everything; a signature from a known key is still checked,
            // so a client with a wrong secret learns it.
            guard SigV4.isSigned(request), let keyID = Self.signingKeyID(request), settings.keys.secret(for: keyID) != nil else { return }
        }
        _ = try SigV4(keys: settings.keys).verify(request, now: now)
    }

    private static func signingKeyID(_ request: S3Request) -> String? {
        let credential = request.parameter("X-Amz-Credential")
            ?? request.header("authorization")?.components(separatedBy: "Credential=").dropFirst().first
        return credential?.split(separator: "/").first.map(String.init)
    }

    private func route(_ request: S3Request) throws -> S3Response {
        var bucket = request.bucket
        var key = request.key
        if let host = request.header("host")?.split(separator: ":").first, host.hasSuffix(".\(settings.domain)") {
            // Virtual-hosted style: the bucket is in the host name and the whole path is the key.
            bucket = String(host.dropLast(settings.domain.count + 1))
            key = String(request.path.dropFirst())
        }
        guard request.method == "GET" || request.method == "HEAD" else { throw S3Error.readOnly(request.method) }
        let unsupported = ["acl", "policy", "versioning", "tagging", "lifecycle", "cors", "website", "uploads", "versions",
                           "encryption", "replication", "logging", "notification", "object-lock", "retention", "legal-hold", "torrent"]
        if let name = request.query.first(where: { unsupported.contains($0.name) })?.name {
            throw S3Error(code: "NotImplemented", status: 501, message: "dver serve does not implement ?\(name)")
        }
        if bucket.isEmpty { return try listBuckets() }
        // An object's revision lookup reads the repo list anyway (and says NoSuchBucket).
        guard key.isEmpty else { return try object(bucket: bucket, key: key, request) }
        try lookup.requireRepo(bucket)
        if request.method == "HEAD" { return S3Response(status: 200, headers: [("x-amz-bucket-region", settings.region)]) }
        if request.parameter("location") != nil { return location() }
        return try listObjects(bucket: bucket, request)
    }

    private func listBuckets() throws -> S3Response {
        var document = XMLDocument(root: "ListAllMyBucketsResult")
        document.open("Owner")
        document.element("ID", "dver")
        document.element("DisplayName", "dver")
        document.close("Owner")
        document.open("Buckets")
        let created = (try? FileManager.default.attributesOfItem(atPath: lookup.project.layout.formatFile)[.creationDate] as? Date)
            ?? Date(timeIntervalSince1970: 0)
        for repo in try lookup.repos() {
            document.open("Bucket")
            document.element("Name", repo.name)
            document.element("CreationDate", S3Dates.iso8601(nanoseconds: Int64(created.timeIntervalSince1970) * 1_000_000_000))
            document.close("Bucket")
        }
        document.close("Buckets")
        return .xml(document.finish())
    }

    private func location() -> S3Response {
        var document = XMLDocument(root: "LocationConstraint")
        // S3 answers an empty constraint for us-east-1.
        if settings.region != "us-east-1" { document.text(settings.region) }
        return .xml(document.finish())
    }

    /// Splits a key into the revision and the path inside it: the longest run of leading
    /// segments that names a branch, else the first segment (a commit id, a commit-set id, or a
    /// branch with `~N`). Nil when the key has no `/` after its revision.
    func split(bucket: String, key: String) -> (revision: String, path: String)? {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 2 else { return nil }
        for count in stride(from: segments.count - 1, through: 1, by: -1) {
            let candidate = segments[0..<count].joined(separator: "/")
            if NameRules.branchNameProblem(candidate) == nil,
               (try? lookup.project.refs.read(repo: bucket, branch: candidate)) != nil {
                return (candidate, segments[count...].joined(separator: "/"))
            }
        }
        return (String(segments[0]), segments[1...].joined(separator: "/"))
    }

    static func s3Error(_ error: AccessError) -> S3Error {
        switch error {
        case .noSuchRepo(let repo): return .noSuchBucket(repo)
        case .noSuchRevision, .noSuchPath: return .noSuchKey("", error.description)
        case .ambiguousRevision: return .invalidArgument(error.description)
        case .invalidPath: return S3Error(code: "InvalidURI", status: 400, message: error.description)
        case .invalidRange(let size):
            return S3Error(code: "InvalidRange", status: 416, message: "the requested range is not satisfiable: the object holds \(size) bytes")
        }
    }
}
