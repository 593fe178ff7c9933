// Open and click tracking, decided per person by the caller from two booleans (open allowed,
// click allowed) that the ConsentGate gave; this code knows nothing of consent storage.
//
// Once per campaign: the link table. Every <a href="http(s)://…"> whose URL is written out in
// the template (no Mustache tag inside it) and that is not marked data-notrack gets a link id,
// 1, 2, … in order of appearance (the body first, then partials in the order they are first
// included), and the URL it leads to (character references decoded) is stored under that id.
// A second, "tracked" variant of each HTML file is made with those URLs replaced by
// {{__brevduva.cN}}; the renderer fills them with BASE/c/<token> for a person who allows
// click tracking and renders the untouched template for anyone else, so their HTML is byte for
// byte what the template gives. Not tracked, and left exactly as written: mailto:, tel: and
// other schemes, links marked data-notrack, and links whose URL holds a tag (the unsubscribe
// and preference links, and any personalised URL: tracking one would mean storing a URL per
// recipient). No HTML is parsed per recipient.
//
// Per recipient, for a person who allows open tracking: one 1×1 pixel, BASE/o/<token>.gif,
// just before the last </body> (or at the end when there is none). The preheader goes, hidden,
// right after <body …>. Pure; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "templates/templates_html_mask.hpp"

namespace brevduva::templates {

struct CampaignLink {
    std::uint32_t id = 0;  // from 1
    std::string url;       // where the click goes: http(s), decoded
    std::string file;      // where it is written, for people
    std::size_t line = 0;
    std::size_t column = 0;
};

// The data root the renderer reserves for itself; contact attributes cannot reach it (keys
// that begin with "__" are dropped from attributes).
inline constexpr std::string_view kReservedRoot = "__brevduva";

// "c7": the key under kReservedRoot that holds link 7's tracked URL.
[[nodiscard]] std::string click_key(std::uint32_t link_id);

// Appends the trackable links of one HTML file (the mask of its source) to `links`, numbered
// on from links.size() + 1, and returns the file's source with each of their URLs replaced by
// {{__brevduva.cN}} (written with the delimiters in force there).
[[nodiscard]] std::string track_links(const MaskedSource& masked, std::vector<CampaignLink>& links);

// Inserts <img src="pixel_url" width="1" height="1" alt="" style="display:none…"> before the
// last </body>, or appends it. pixel_url is written with & and " escaped.
void insert_open_pixel(std::string& html, std::string_view pixel_url);

// Inserts the preheader (already HTML, rendered with escaping) in a hidden <div> right after
// <body …>; without <body>, after </head>, else at the start. Padding after it keeps mail
// clients from filling the preview with the start of the body.
void insert_preheader(std::string& html, std::string_view preheader_html);

}  // namespace brevduva::templates
