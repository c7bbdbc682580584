//! A restaurant POS's menu push, in the public shape PetPooja and UrbanPiper
//! menus share: `restaurants` (the outlet, whose `restaurantid` is the
//! store's id at the source), `categories` (with `parent_category_id`),
//! `items` (each with its `variation`s, `addon` groups by id, `item_tax` as
//! tax ids, `in_stock`/`active`, `item_attributeid` for veg or not),
//! `addongroups` with their `addongroupitems`, `attributes` and `taxes`.
//!
//! Each category and item is one entity: one that cannot be read is refused
//! alone, with the field named, and the rest of the menu goes on.

use super::normalize;
use super::{flag, id_text, money, CategoryRef, CategoryUpsert, Command, Context, ItemUpsert};
use super::{Keep, Parsed, VariantUpsert};
use pos_shared::item::ItemDetails;
use pos_shared::modifiers::{ModifierGroup, ModifierOption};
use pos_shared::tax::TaxClass;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const FORMAT: &str = "menu_push";

/// Whether the payload is a menu push (it has items or categories).
pub fn is_menu(body: &Map<String, Value>) -> bool {
    body.get("items").is_some_and(Value::is_array)
        || body.get("categories").is_some_and(Value::is_array)
}

fn list<'a>(body: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    body.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn number(v: &Value, key: &str) -> Option<u32> {
    id_text(v.get(key)).and_then(|t| t.parse().ok())
}

/// Reads the menu into categories first (parents before children), then items.
pub fn read(body: &Map<String, Value>, ctx: Context) -> Parsed {
    let mut parsed = Parsed::new(FORMAT);
    let location = list(body, "restaurants")
        .first()
        .and_then(|r| id_text(r.get("restaurantid")));
    let inclusive_default = list(body, "restaurants")
        .first()
        .and_then(|r| flag(r.get("details").and_then(|d| d.get("tax_inclusive"))))
        .unwrap_or(false);
    read_categories(body, &location, &mut parsed);
    let taxes = tax_rates(body);
    let diets: HashMap<String, String> = list(body, "attributes")
        .iter()
        .filter_map(|a| {
            Some((
                id_text(a.get("attributeid"))?,
                text(a, "attribute")?.to_lowercase(),
            ))
        })
        .collect();
    let groups = addon_groups(body, ctx);
    let mut listing = super::Listing {
        location: location.clone(),
        items: Default::default(),
    };
    for (i, item) in list(body, "items").iter().enumerate() {
        let id = id_text(item.get("itemid"));
        let entity = match &id {
            Some(id) => format!("item {id}"),
            None => format!("items[{i}]"),
        };
        let Some(id) = id else {
            parsed.refuse(entity, Some("itemid"), "the item has no itemid");
            continue;
        };
        if !listing.items.insert(id.clone()) {
            parsed.refuse(
                format!("items[{i}]"),
                Some("itemid"),
                format!("item {id} is in the menu twice; the first is applied"),
            );
            continue;
        }
        let menu = Menu {
            ctx,
            taxes: &taxes,
            diets: &diets,
            groups: &groups,
            inclusive_default,
        };
        match menu.item(&id, item) {
            Ok(upsert) => match checked(&upsert) {
                Ok(()) => parsed.push(entity, location.clone(), Command::Item(upsert)),
                Err((field, detail)) => parsed.refuse(entity, Some(&field), detail),
            },
            Err((field, detail)) => parsed.refuse(entity, Some(&field), detail),
        }
    }
    parsed.listing = Some(listing);
    parsed
}

fn read_categories(body: &Map<String, Value>, location: &Option<String>, parsed: &mut Parsed) {
    let mut categories = Vec::new();
    for (i, c) in list(body, "parentcategories")
        .iter()
        .chain(list(body, "categories"))
        .enumerate()
    {
        let id = id_text(c.get("categoryid")).or_else(|| id_text(c.get("id")));
        let name = text(c, "categoryname")
            .or_else(|| text(c, "name"))
            .and_then(normalize::title);
        let entity = id
            .as_ref()
            .map_or_else(|| format!("categories[{i}]"), |id| format!("category {id}"));
        let (Some(id), Some(name)) = (id, name) else {
            parsed.refuse(
                entity,
                Some("categoryname"),
                "a category needs an id and a name",
            );
            continue;
        };
        let parent = id_text(c.get("parent_category_id")).filter(|p| p != "0" && *p != id);
        let position = number(c, "categoryrank")
            .or_else(|| number(c, "rank"))
            .unwrap_or(0);
        categories.push((
            entity,
            CategoryUpsert {
                external_id: id,
                name,
                parent,
                position,
            },
        ));
    }
    // Parents first, so each child finds its parent already made.
    let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let ids: std::collections::HashSet<String> = categories
        .iter()
        .map(|(_, c)| c.external_id.clone())
        .collect();
    while !categories.is_empty() {
        let before = categories.len();
        let (ready, waiting): (Vec<_>, Vec<_>) = categories.into_iter().partition(|(_, c)| {
            c.parent
                .as_ref()
                .is_none_or(|p| placed.contains(p) || !ids.contains(p))
        });
        for (entity, c) in ready {
            placed.insert(c.external_id.clone());
            parsed.push(entity, location.clone(), Command::Category(c));
        }
        categories = waiting;
        if categories.len() == before {
            for (entity, _) in categories.drain(..) {
                parsed.refuse(
                    entity,
                    Some("parent_category_id"),
                    "its parents form a loop",
                );
            }
        }
    }
}

/// Each tax id's rate in basis points ("2.5" → 250).
fn tax_rates(body: &Map<String, Value>) -> HashMap<String, Result<u32, String>> {
    list(body, "taxes")
        .iter()
        .filter_map(|t| {
            let id = id_text(t.get("taxid"))?;
            let rate = id_text(t.get("tax"))
                .ok_or_else(|| format!("tax {id} has no rate"))
                .and_then(|r| {
                    pos_shared::Qty::parse(&r)
                        .ok()
                        .filter(|q| q.milli() >= 0 && q.milli() % 10 == 0)
                        .map(|q| (q.milli() / 10) as u32)
                        .ok_or_else(|| format!("tax {id}'s rate {r:?} is not a percentage"))
                });
            Some((id, rate))
        })
        .collect()
}

type Groups = HashMap<String, Result<ModifierGroup, String>>;

fn addon_groups(body: &Map<String, Value>, ctx: Context) -> Groups {
    list(body, "addongroups")
        .iter()
        .filter_map(|g| {
            let id = id_text(g.get("addongroupid"))?;
            let group = (|| {
                let name = text(g, "addongroup_name")
                    .and_then(normalize::title)
                    .ok_or_else(|| format!("add-on group {id} has no name"))?;
                let mut options = Vec::new();
                for o in g
                    .get("addongroupitems")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice)
                {
                    if flag(o.get("active")) == Some(false) {
                        continue;
                    }
                    let code = id_text(o.get("addonitemid"))
                        .ok_or_else(|| format!("an add-on of group {id} has no addonitemid"))?;
                    let price = money(
                        o.get("addonitem_price").unwrap_or(&Value::from("0")),
                        ctx.currency,
                    )
                    .map_err(|e| format!("add-on {code}: addonitem_price: {e}"))?;
                    options.push(ModifierOption {
                        name: text(o, "addonitem_name")
                            .and_then(normalize::title)
                            .unwrap_or_else(|| code.clone()),
                        code,
                        price,
                    });
                }
                Ok(ModifierGroup {
                    name,
                    min: 0,
                    max: options.len() as u32,
                    options,
                })
            })();
            Some((id, group))
        })
        .collect()
}

struct Menu<'a> {
    ctx: Context,
    taxes: &'a HashMap<String, Result<u32, String>>,
    diets: &'a HashMap<String, String>,
    groups: &'a Groups,
    inclusive_default: bool,
}

type Refused = (String, String);

impl Menu<'_> {
    fn item(&self, id: &str, item: &Value) -> Result<ItemUpsert, Refused> {
        let name = text(item, "itemname")
            .and_then(normalize::title)
            .ok_or(("itemname".to_owned(), "the item has no name".to_owned()))?;
        let tax = self.tax(item)?;
        let mut details = ItemDetails {
            pack: normalize::pack_in_title(&name),
            ..ItemDetails::default()
        };
        if let Some(diet) = id_text(item.get("item_attributeid")).and_then(|a| self.diets.get(&a)) {
            let diet = diet.replace(['-', ' '], "_");
            details.attributes.insert("diet".into(), Value::from(diet));
        }
        if let Some(about) = text(item, "itemdescription") {
            details.attributes.insert(
                "description".into(),
                Value::from(about.chars().take(500).collect::<String>()),
            );
        }
        let item_groups = self.modifiers(item, "addon")?;
        // On the menu and not switched off: available.
        let available = !matches!(
            (flag(item.get("active")), flag(item.get("in_stock"))),
            (Some(false), _) | (_, Some(false))
        );
        let variations = item
            .get("variation")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let mut variants = Vec::new();
        if variations.is_empty() {
            let price = money(item.get("price").unwrap_or(&Value::Null), self.ctx.currency)
                .map_err(|e| ("price".to_owned(), e))?;
            variants.push(VariantUpsert {
                external_id: id.to_owned(),
                sku: None,
                name: name.clone(),
                barcode: None,
                price,
                tax: tax.clone(),
                modifiers: item_groups.clone(),
                details: details.clone(),
                extra_barcodes: None,
                quick_key: None,
                keep: Keep::default(),
            });
        }
        for (v, variation) in variations.iter().enumerate() {
            if flag(variation.get("active")) == Some(false) {
                continue;
            }
            let at = |f: &str| format!("variation[{v}].{f}");
            let vid = id_text(variation.get("variationid"))
                .or_else(|| id_text(variation.get("id")))
                .ok_or((at("variationid"), "the variation has no id".to_owned()))?;
            let label = text(variation, "name")
                .and_then(normalize::title)
                .ok_or((at("name"), "the variation has no name".to_owned()))?;
            let price = money(
                variation.get("price").unwrap_or(&Value::Null),
                self.ctx.currency,
            )
            .map_err(|e| (at("price"), e))?;
            let mut modifiers = item_groups.clone();
            modifiers.extend(
                self.modifiers(variation, "addon")
                    .map_err(|(f, d)| (at(&f), d))?,
            );
            let mut vdetails = details.clone();
            vdetails.pack = normalize::pack_in_title(&label).or(details.pack.clone());
            variants.push(VariantUpsert {
                external_id: format!("{id}:{vid}"),
                sku: None,
                name: format!("{name} ({label})"),
                barcode: None,
                price,
                tax: tax.clone(),
                modifiers,
                details: vdetails,
                extra_barcodes: None,
                quick_key: None,
                keep: Keep::default(),
            });
        }
        if variants.is_empty() {
            return Err((
                "variation".into(),
                "every variation of the item is inactive".into(),
            ));
        }
        Ok(ItemUpsert {
            external_id: id.to_owned(),
            name,
            brand: None,
            category: id_text(item.get("item_categoryid")).map(CategoryRef::External),
            synonyms: Vec::new(),
            variants,
            available: Some(available),
        })
    }

    /// The item's GST: the sum of its taxes' rates (CGST 2.5 + SGST 2.5 is 5%).
    fn tax(&self, item: &Value) -> Result<Option<TaxClass>, Refused> {
        let Some(ids) = id_text(item.get("item_tax")) else {
            return Ok(None);
        };
        let mut rate_bp = 0u32;
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match self.taxes.get(id) {
                Some(Ok(bp)) => rate_bp = rate_bp.saturating_add(*bp),
                Some(Err(e)) => return Err(("item_tax".into(), e.clone())),
                None => {
                    return Err((
                        "item_tax".into(),
                        format!("tax {id} is not in the menu's taxes"),
                    ))
                }
            }
        }
        let tax = TaxClass {
            rate_bp,
            inclusive: flag(item.get("tax_inclusive")).unwrap_or(self.inclusive_default),
            hsn: id_text(item.get("hsn_code")),
        };
        tax.validate()
            .map_err(|(f, d)| (format!("item_tax.{f}"), d))?;
        Ok(Some(tax))
    }

    fn modifiers(&self, item: &Value, key: &str) -> Result<Vec<ModifierGroup>, Refused> {
        let mut out = Vec::new();
        for (g, link) in item
            .get(key)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .enumerate()
        {
            let field = format!("{key}[{g}].addon_group_id");
            let id = id_text(link.get("addon_group_id"))
                .ok_or((field.clone(), "no add-on group id".to_owned()))?;
            let mut group = match self.groups.get(&id) {
                Some(Ok(group)) => group.clone(),
                Some(Err(e)) => return Err((field, e.clone())),
                None => {
                    return Err((
                        field,
                        format!("add-on group {id} is not in the menu's addongroups"),
                    ))
                }
            };
            group.min = number(link, "addon_item_selection_min").unwrap_or(0);
            group.max = number(link, "addon_item_selection_max")
                .unwrap_or(group.max)
                .min(group.options.len() as u32);
            if group.min > group.max {
                return Err((
                    format!("{key}[{g}].addon_item_selection_min"),
                    format!("at least {} of {} options", group.min, group.max),
                ));
            }
            out.push(group);
        }
        Ok(out)
    }
}

/// The catalog's rules on each variant, refused in the menu's terms: an
/// item's own fields, or its variation's (`variation[1].price`).
fn checked(item: &ItemUpsert) -> Result<(), (String, String)> {
    for v in &item.variants {
        if let Err((field, detail)) = super::apply::check_variant(v) {
            let field = match v.external_id.split_once(':') {
                Some((_, variation)) => format!("variation {variation}.{field}"),
                None => field,
            };
            return Err((field, detail));
        }
    }
    Ok(())
}
