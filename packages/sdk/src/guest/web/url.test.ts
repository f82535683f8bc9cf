import { describe, expect, it } from "vitest";
import { GuestURL } from "./url.js";
import { GuestURLSearchParams } from "./url-search-params.js";

const PARTS = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"] as const;

function parts(make: () => object): Record<string, string> | "failure" {
  try {
    const url = make() as Record<string, string>;
    return Object.fromEntries(PARTS.map((k) => [k, url[k]!]));
  } catch {
    return "failure";
  }
}

const sameAsNode = (input: string, base?: string) =>
  expect(parts(() => new GuestURL(input, base)), `${input} against ${base}`).toEqual(parts(() => new URL(input, base)));

const ABSOLUTE = [
  "http://example.com", "HTTPS://User:Pa ss@EXAMPLE.com:443/a/./b/../c?q=1 2#frag ment", "http://a:80/", "https://a:8443/",
  "ws://h:80/x", "wss://h/x?y", "ftp://f.example:21/pub", "http://[::1]:8080/", "http://[2001:db8:0:0:1:0:0:1]/",
  "http://[::ffff:192.168.0.1]/", "http://[1:0::]/", "http://[::]/", "http://0x7f.1/", "http://192.168.0.257/", "http://1.2.3.4.5/",
  "http://999999999/", "http://0300.0250.0.1/", "http://münchen.de/", "http://ÄÖ.com/", "http://EXAMPLE。com/", "http://a b/",
  "http://%41.com/", "http://a%zz.com/", "http://[::1/", "http://exa[mple.com/", "http://user@/", "http://@/", "http:///x",
  "http:\\\\host\\path\\x", "  http://trim.example/  ", "ht\ttp://ta\nb.example/", "http://h/%7e/~/ñ/😀/{}`|^", "http://h/?'\"<>`{}#'\"<>`",
  "file:///C:/Windows/../x", "file:///C|/x", "file://localhost/etc/passwd", "file://server/share/x", "file:/x/y", "file:c:\\x\\y",
  "mailto:someone@example.com?subject=hi there", "data:text/plain,hello world", "javascript:alert(1)", "foo:a b ?x", "sc://h:1/p?q#f",
  "sc://ü/x", "sc://a b/", "sc:/a/b", "sc:", "blob:https://example.com/uuid", "blob:foo:bar", "urn:isbn:0451450523",
  "non-spec:/.//p", "http://h:65535/", "http://h:65536/", "http://h:0/", "http://h:/", "http://h:x/", "http://h/a%2e%2E/b", "http://h/a/%2e/b",
  "", "no-scheme", "1http://x", "a+b-c.d://x/",
];

const RELATIVE: Array<[string, string]> = [
  ["b/c", "http://a/x/y"], ["../c", "http://a/x/y/z"], ["../../../../c", "http://a/x/y"], ["/abs", "http://a/x/y?q#f"],
  ["?q2", "http://a/x/y?q#f"], ["#f2", "http://a/x/y?q#f"], ["", "http://a/x/y?q#f"], ["//other/p", "https://a/x"], ["\\\\other\\p", "https://a/x"],
  [".", "http://a/x/y"], ["..", "http://a/x/y/"], ["./c;p", "http://a/b/"], ["g?y/./x", "http://a/b/c/d"], ["https:rel", "https://a/b/c"],
  ["http:rel", "https://a/b/c"], ["x", "file:///C:/dir/file"], ["/x", "file:///C:/dir/file"], ["..\\..\\y", "file:///a/b/c"], ["#x", "mailto:a@b"],
  ["x", "mailto:a@b"], ["rel", "sc://h/a/b"], ["../up", "sc:/a/b"], ["?q", "data:text/plain,x"], ["C|/x", "file:///y/z"], ["//h/C:/x", "file:///y"],
];

describe("URL (compared with Node's WHATWG URL)", () => {
  it("parses absolute URLs: special schemes, hosts, ports, encodings, failures", () => {
    for (const input of ABSOLUTE) sameAsNode(input);
  });

  it("resolves relative references", () => {
    for (const [input, base] of RELATIVE) sameAsNode(input, base);
    expect(new GuestURL("c", new GuestURL("http://a/b/")).href).toBe("http://a/b/c");
    expect(() => new GuestURL("x", "not a base")).toThrow(TypeError);
    expect(GuestURL.canParse("x", "http://a/")).toBe(true);
    expect(GuestURL.canParse("x")).toBe(false);
  });

  it("setters behave like Node's", () => {
    const cases: Array<[string, (typeof PARTS)[number], string]> = [
      ["http://a/b?x=1", "port", "8080abc"], ["http://a/b", "port", ""], ["http://a/b", "port", "80"], ["http://a/b", "port", "99999"],
      ["http://a/b", "host", "b:99"], ["http://a/b", "hostname", "c:1"], ["http://a/b", "hostname", "x.y"], ["http://a/b", "protocol", "https"],
      ["http://a/b", "protocol", "file"], ["http://a/b", "protocol", "foo"], ["foo://a/b", "protocol", "bar"], ["http://a:8080/", "protocol", "https:"],
      ["http://a/b", "pathname", "x y/../z"], ["http://a/b", "pathname", ""], ["mailto:x", "pathname", "y"], ["http://a/b", "search", "?a b=c&d"],
      ["http://a/b?q", "search", ""], ["http://a/b", "hash", "#x y"], ["foo:a b #h", "hash", ""], ["http://a/b", "username", "us er@"],
      ["http://a/b", "password", "p:w"], ["file:///x", "username", "u"], ["http://a/b", "href", "https://z/"], ["file:///x", "host", "srv"],
    ];
    for (const [href, key, value] of cases) {
      const ours = new GuestURL(href) as unknown as Record<string, string>;
      const node = new URL(href) as unknown as Record<string, string>;
      ours[key] = value;
      node[key] = value;
      expect(parts(() => ours), `${href} .${key} = ${value}`).toEqual(parts(() => node));
    }
    expect(() => { new GuestURL("http://a/").href = "::"; }).toThrow(TypeError);
  });

  it("searchParams reads the query and writes changes back", () => {
    const url = new GuestURL("https://h/p?a=1&b=x+y&a=%E2%9C%93&c");
    expect(url.searchParams.getAll("a")).toEqual(["1", "✓"]);
    expect(url.searchParams.get("b")).toBe("x y");
    expect(url.searchParams.get("c")).toBe("");
    url.searchParams.append("d", "é &=+");
    url.searchParams.delete("a");
    const node = new URL("https://h/p?a=1&b=x+y&a=%E2%9C%93&c");
    node.searchParams.append("d", "é &=+");
    node.searchParams.delete("a");
    expect(url.href).toBe(node.href);
    url.search = "?z=9";
    expect([...url.searchParams]).toEqual([["z", "9"]]);
    url.searchParams.delete("z");
    expect(url.href).toBe("https://h/p");
  });
});

describe("URLSearchParams (compared with Node's)", () => {
  it("parses, sorts and serializes like Node", () => {
    const inits: Array<string | Record<string, string> | Array<[string, string]>> = [
      "?a=1&b=2&a=3", "x=%zz&y=%C3%A9&z=%FF&+=+", "&&a&=b&c=d=e", { b: "2", a: "1 1", "é": "ü" }, [["z", "1"], ["a", "&"], ["z", "0"]], "q=\ud800",
    ];
    for (const init of inits) {
      const ours = new GuestURLSearchParams(init);
      const node = new URLSearchParams(init as never);
      expect(ours.toString()).toBe(node.toString());
      expect([...ours.entries()]).toEqual([...node.entries()]);
      ours.sort();
      node.sort();
      expect(ours.toString()).toBe(node.toString());
      ours.set("a", "new");
      node.set("a", "new");
      expect(ours.toString()).toBe(node.toString());
      expect(ours.has("a", "new")).toBe(node.has("a", "new"));
      expect(ours.size).toBe(node.size);
    }
    expect(() => new GuestURLSearchParams([["only one"]] as never)).toThrow(TypeError);
    expect(new GuestURLSearchParams(" !'()~*").toString()).toBe(new URLSearchParams(" !'()~*").toString());
  });
});
