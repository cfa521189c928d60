import DverSystem
import Foundation

/// Listing (ListObjectsV2, 1,000 keys a page, continuation tokens) and deleting in S3. The
/// server's answers are hostile: each page is read up to `maximumPageSize` bytes and parsed by
/// `S3ListingPage`; every key must lie under the listed prefix and be a plain relative key
/// (`RemoteKey`), no key may come twice, a continuation token must change from page to page,
/// and a listing stops with an error past `listingLimit` objects or `listingLimit / 100 + 1`
/// pages — so no answer can crash dver, exhaust its memory or keep it paging forever.
extension S3Transport {
    /// Keys asked for per page (S3's maximum).
    static let pageKeys = 1000
    /// The largest page read: 1,000 keys of up to 1,024 bytes, each escaped in XML, with the
    /// other fields S3 sends about an object, fit with room to spare.
    static let maximumPageSize: UInt64 = 8 << 20

    public func list(prefix: String) throws -> [RemoteListing] {
        if let problem = RemoteKey.prefixProblem(prefix) { throw RemoteError.invalidKey(prefix, reason: problem) }
        let root = self.prefix.isEmpty ? "" : self.prefix + "/"
        let maximumPages = listingLimit / 100 + 1
        var found = [RemoteListing]()
        var seen = Set<String>()
        var token: String?
        var pages = 0
        repeat {
            pages += 1
            guard pages <= maximumPages else {
                throw RemoteError.listingTooLong(prefix: prefix, url: displayURL, detail: "went on for more than \(maximumPages) pages")
            }
            let page = try listPage(root + prefix, token: token, number: pages, prefix: prefix)
            guard page.objects.count <= Self.pageKeys else {
                throw RemoteError.corruptRemote(url: displayURL, reason: "page \(pages) of the listing of \(prefix.quotedForMessage) "
                                                + "holds \(page.objects.count) keys; at most \(Self.pageKeys) were asked for")
            }
            for object in page.objects {
                let key = try relativeKey(object.key, root: root, prefix: prefix)
                guard seen.insert(key).inserted else {
                    throw RemoteError.badListedKey(key, prefix: prefix, url: displayURL, problem: "it is listed twice (page \(pages))",
                                                      fix: "the server answers the same keys again; check the S3 server")
                }
                guard found.count < listingLimit else {
                    throw RemoteError.listingTooLong(prefix: prefix, url: displayURL, detail: "holds more than \(listingLimit) objects")
                }
                found.append(RemoteListing(key: key, size: object.size, modified: object.modified))
            }
            if let next = page.nextToken, next == token {
                throw RemoteError.corruptRemote(url: displayURL, reason: "the listing of \(prefix.quotedForMessage) does not advance: "
                                                + "page \(pages) gives the continuation token it was asked with")
            }
            token = page.nextToken
        } while token != nil
        return found.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    /// DELETE; 204, 200 and a 404 for the key (not for the bucket) all mean it is gone.
    public func delete(_ key: String) throws {
        if let problem = RemoteKey.problem(key) { throw RemoteError.invalidKey(key, reason: problem) }
        let target = url(key)
        let response = try send(HTTPRequest(method: "DELETE", url: target, headers: Self.hashHeader(Self.emptyPayloadHash)), key: key)
        if response.status == 404, S3ErrorBody(response.body).code != "NoSuchBucket" { return }
        guard (200..<300).contains(response.status) else { throw failure(response, "DELETE", target) }
    }

    /// One ListObjectsV2 request and its parsed page. Query parameters in SigV4's sorted order.
    private func listPage(_ fullPrefix: String, token: String?, number: Int, prefix: String) throws -> S3ListingPage {
        var query = token.map { "continuation-token=\(Self.encodeQueryValue($0))&" } ?? ""
        query += "list-type=2&max-keys=\(Self.pageKeys)&prefix=\(Self.encodeQueryValue(fullPrefix))"
        let target = url(nil, query: query)
        var request = HTTPRequest(method: "GET", url: target, headers: Self.hashHeader(Self.emptyPayloadHash))
        request.limit = Self.maximumPageSize
        let response = try send(request, key: "page \(number) of the listing of \(prefix.quotedForMessage)")
        guard response.status == 200 else { throw failure(response, "GET", target) }
        do {
            return try S3ListingPage(parsing: response.body)
        } catch {
            throw RemoteError.corruptRemote(url: displayURL, reason: "page \(number) of the listing of \(prefix.quotedForMessage) "
                                            + "is not a ListObjectsV2 answer dver accepts: \(error.description.printableForMessage)")
        }
    }

    /// A listed full key made relative to the remote's root, checked to lie under `prefix`.
    private func relativeKey(_ full: String, root: String, prefix: String) throws -> String {
        guard full.hasBytePrefix(root) else {
            throw RemoteError.badListedKey(full, prefix: prefix, url: displayURL, problem: "it is outside the remote's prefix")
        }
        let key = String(decoding: full.utf8.dropFirst(root.utf8.count), as: UTF8.self)
        guard key.hasBytePrefix(prefix) else {
            throw RemoteError.badListedKey(key, prefix: prefix, url: displayURL, problem: "it does not start with the prefix listed")
        }
        if let problem = RemoteKey.problem(key) { throw RemoteError.badListedKey(key, prefix: prefix, url: displayURL, problem: problem) }
        return key
    }
}
