// The template snapshot a queued campaign sends from: what is stored reads back exactly, the
// same template always has the same hash (so the hash says which version went out), and a
// damaged snapshot is a refusal with a reason, never a crash of the worker.
#include "dispatcher/dispatcher_snapshot.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace brevduva::dispatcher {
namespace {

using templates::CampaignSources;
using ::testing::HasSubstr;

CampaignSources full_sources() {
    CampaignSources s;
    s.subject = "Höstens nyheter, {{contact.first_name}} – 50 % \"rabatt\"";
    s.html =
        "{{<layout}}{{$content}}<p class=\"x\">Hej!\tÅsa\r\n<a href=\"https://www.example.se/"
        "a?b=1&amp;c=2\">Läs</a> \\ </script> \x01 😀</p>{{/content}}{{/layout}}\n";
    s.text = "Hej {{contact.first_name}}!\nAvregistrera: {{unsubscribe_url}}\n";
    s.preheader = "Tre nyheter för er";
    s.partials["layout"] = "<html><body>{{$content}}{{/content}}{{>footer}}</body></html>";
    s.partials["footer"] = "<a href=\"{{unsubscribe_url}}\">Avregistrera</a>";
    return s;
}

void expect_same(const CampaignSources& read, const CampaignSources& written) {
    EXPECT_EQ(read.subject, written.subject);
    EXPECT_EQ(read.html, written.html);
    EXPECT_EQ(read.text, written.text);
    EXPECT_EQ(read.preheader, written.preheader);
    EXPECT_EQ(read.partials, written.partials);
}

TEST(Snapshot, RoundTripsEveryPart) {
    const auto sources = full_sources();
    const auto read = read_snapshot(snapshot_json(sources));
    ASSERT_TRUE(read) << read.error();
    expect_same(read.value(), sources);
}

TEST(Snapshot, RoundTripsAbsentTextPreheaderAndPartials) {
    CampaignSources bare;
    bare.subject = "Driftinformation";
    bare.html = "<p>Planerat underhåll i natt.</p>";
    const auto read = read_snapshot(snapshot_json(bare));
    ASSERT_TRUE(read) << read.error();
    expect_same(read.value(), bare);
    EXPECT_FALSE(read.value().text.has_value());
    EXPECT_FALSE(read.value().preheader.has_value());
    EXPECT_TRUE(read.value().partials.empty());

    // An empty text part is a text part, not a missing one.
    CampaignSources empty = bare;
    empty.text = "";
    empty.preheader = "";
    empty.partials["tom"] = "";
    const auto read_empty = read_snapshot(snapshot_json(empty));
    ASSERT_TRUE(read_empty) << read_empty.error();
    expect_same(read_empty.value(), empty);
}

TEST(Snapshot, TheSameSourcesGiveTheSameHash) {
    const auto a = full_sources();
    CampaignSources b;  // built in another order: partials first
    b.partials["footer"] = a.partials.at("footer");
    b.partials["layout"] = a.partials.at("layout");
    b.preheader = a.preheader;
    b.text = a.text;
    b.html = a.html;
    b.subject = a.subject;
    EXPECT_EQ(snapshot_json(a), snapshot_json(b));
    const auto hash = sha256_hex(snapshot_json(a));
    EXPECT_EQ(hash, sha256_hex(snapshot_json(b)));
    EXPECT_EQ(hash.size(), 64U);
    EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);

    // One character anywhere is another version.
    auto changed = a;
    changed.partials["footer"] += " ";
    EXPECT_NE(sha256_hex(snapshot_json(changed)), hash);
    auto without_text = a;
    without_text.text.reset();
    EXPECT_NE(sha256_hex(snapshot_json(without_text)), hash);
}

TEST(Snapshot, Sha256IsTheStandardDigest) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Snapshot, ADamagedSnapshotIsAnErrorNotACrash) {
    const std::string good = snapshot_json(full_sources());
    for (const std::string& damaged :
         {std::string(), std::string("{"), std::string("not json"), std::string("null"),
          std::string("[1, 2]"), std::string("\"a string\""), std::string("{}"),
          std::string(R"({"subject": "x"})"), std::string(R"({"html": "x"})"),
          good.substr(0, good.size() / 2), good.substr(0, good.size() - 1),
          std::string("\xff\xfe{") + good}) {
        const auto read = read_snapshot(damaged);
        ASSERT_FALSE(read) << "accepted: " << damaged;
        EXPECT_THAT(read.error(), HasSubstr("the stored template snapshot is damaged"));
    }
}

}  // namespace
}  // namespace brevduva::dispatcher
