//! Products, the category tree, brands and variant barcodes at the hub, for
//! both backends. Every category change is appended to the tenant's feed in its
//! transaction. Expanded inside `sql_storage!`.

/// Implements [`crate::storage::CatalogStorage`] on `$storage`.
macro_rules! sql_catalog_paths {
    ($storage:ty) => {
        type CategoryRow = (Uuid, Option<Uuid>, String, i32);
        const CATEGORY_COLUMNS: &str = "id, parent_id, name, position";

        fn category_from_row(row: CategoryRow) -> DbResult<CategoryRecord> {
            let (id, parent, name, position) = row;
            Ok(CategoryRecord {
                category_id: CategoryId::from_uuid(id),
                parent_id: parent.map(CategoryId::from_uuid),
                name,
                position: u32::try_from(position)
                    .map_err(|e| DbError::Corrupt(format!("category {id} position: {e}")))?,
            })
        }

        /// Where a product's variants sit: its brand (id and name), category
        /// and synonyms, which every variant carries.
        struct Placed<'a> {
            brand_name: Option<String>,
            brand: Option<BrandId>,
            category: Option<CategoryId>,
            synonyms: &'a [String],
        }

        impl $storage {
            /// Inserts one variant of `product` with its barcodes, first
            /// version and feed change.
            async fn insert_variant(
                tx: &mut Tx<'_>,
                tenant: TenantId,
                product: pos_shared::ProductId,
                placed: &Placed<'_>,
                v: &NewVariant,
            ) -> DbResult<VariantRecord> {
                let barcode = match &v.barcode {
                    Some(b) => b.clone(),
                    None => Self::next_in_store_code(tx, tenant).await?,
                };
                let record = VariantRecord {
                    variant_id: VariantId::new(),
                    product_id: product,
                    name: v.name.clone(),
                    sku: v.sku.clone(),
                    barcode,
                    price: v.price,
                    tax: v.tax.clone(),
                    modifiers: v.modifiers.clone(),
                    placement: pos_shared::catalog::Placement {
                        brand: placed.brand_name.clone(),
                        category_id: placed.category,
                        synonyms: placed.synonyms.to_vec(),
                        extra_barcodes: v.extra_barcodes.clone(),
                        quick_key: v.quick_key,
                    },
                    details: v.details.clone(),
                };
                sqlx::query(
                    "INSERT INTO variants (id, tenant_id, product_id, name, sku, gtin, price_minor, currency, updated_at_ms, tax_rate_bp, tax_inclusive, hsn, modifiers, \
                     brand_id, category_id, synonyms, extra_barcodes, quick_key, details) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                )
                .bind(record.variant_id.as_uuid())
                .bind(tenant.as_uuid())
                .bind(product.as_uuid())
                .bind(&record.name)
                .bind(&record.sku)
                .bind(record.barcode.as_str())
                .bind(record.price.minor())
                .bind(record.price.currency().as_str())
                .bind(now_ms())
                .bind(record.tax.as_ref().map(|t| t.rate_bp as i32))
                .bind(record.tax.as_ref().map(|t| t.inclusive))
                .bind(record.tax.as_ref().and_then(|t| t.hsn.clone()))
                .bind(json_column(&record.modifiers)?)
                .bind(placed.brand.map(|b| b.as_uuid()))
                .bind(placed.category.map(|c| c.as_uuid()))
                .bind(json_column(&record.placement.synonyms)?)
                .bind(json_column(&record.placement.extra_barcodes)?)
                .bind(record.placement.quick_key.map(i32::from))
                .bind($crate::storage::sql::details_column(&record.details)?)
                .execute(&mut **tx)
                .await
                .map_err(DbError::from_sqlx)?;
                Self::claim_barcodes(tx, tenant, &record).await?;
                Self::record_version(tx, tenant, &record).await?;
                Self::append_change(tx, tenant, None, &ChangeBody::VariantUpserted(record.clone())).await?;
                Ok(record)
            }

            async fn category_in(tx: &mut Tx<'_>, tenant: TenantId, id: CategoryId) -> DbResult<Option<CategoryRecord>> {
                let row: Option<CategoryRow> = sqlx::query_as(&format!(
                    "SELECT {CATEGORY_COLUMNS} FROM categories WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.as_uuid())
                .bind(id.as_uuid())
                .fetch_optional(&mut **tx)
                .await?;
                row.map(category_from_row).transpose()
            }

            /// Checks where `category` is to hang: its parent exists, it is not
            /// its own ancestor, the tree stays shallow enough to show, and no
            /// sibling has its name.
            async fn check_category_place(tx: &mut Tx<'_>, tenant: TenantId, category: &CategoryRecord) -> DbResult<()> {
                let mut depth = 1;
                let mut next = category.parent_id;
                while let Some(parent) = next {
                    if parent == category.category_id {
                        return Err(DbError::InvalidField {
                            field: "parent_id",
                            detail: "a category cannot be moved under itself or one of its own subcategories".into(),
                        });
                    }
                    depth += 1;
                    if depth > pos_shared::catalog::MAX_CATEGORY_DEPTH {
                        return Err(DbError::InvalidField {
                            field: "parent_id",
                            detail: format!(
                                "categories nest at most {} deep",
                                pos_shared::catalog::MAX_CATEGORY_DEPTH
                            ),
                        });
                    }
                    next = Self::category_in(tx, tenant, parent)
                        .await?
                        .ok_or_else(|| DbError::InvalidField {
                            field: "parent_id",
                            detail: format!("no category {parent}"),
                        })?
                        .parent_id;
                }
                let siblings: Vec<(Uuid, String)> = sqlx::query_as(
                    "SELECT id, name FROM categories WHERE tenant_id = $1 AND id <> $2 \
                     AND (parent_id = $3 OR (parent_id IS NULL AND $4))",
                )
                .bind(tenant.as_uuid())
                .bind(category.category_id.as_uuid())
                .bind(category.parent_id.map(|p| p.as_uuid()))
                .bind(category.parent_id.is_none())
                .fetch_all(&mut **tx)
                .await?;
                let name = category.name.to_lowercase();
                if siblings.iter().any(|(_, n)| n.to_lowercase() == name) {
                    return Err(DbError::Conflict("category name".into()));
                }
                Ok(())
            }

            async fn category_write(&self, tenant: TenantId, category: &CategoryRecord, create: bool) -> DbResult<CategoryRecord> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                if !create && Self::category_in(&mut tx, tenant, category.category_id).await?.is_none() {
                    return Err(DbError::NotFound("category"));
                }
                Self::check_category_place(&mut tx, tenant, category).await?;
                let position = i32::try_from(category.position).map_err(|_| DbError::InvalidField {
                    field: "position",
                    detail: "position is too large".into(),
                })?;
                if create {
                    sqlx::query(
                        "INSERT INTO categories (id, tenant_id, parent_id, name, position, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(category.category_id.as_uuid())
                    .bind(tenant.as_uuid())
                    .bind(category.parent_id.map(|p| p.as_uuid()))
                    .bind(&category.name)
                    .bind(position)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await
                    .map_err(DbError::from_sqlx)?;
                } else {
                    sqlx::query(
                        "UPDATE categories SET parent_id = $3, name = $4, position = $5, updated_at_ms = $6 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.as_uuid())
                    .bind(category.category_id.as_uuid())
                    .bind(category.parent_id.map(|p| p.as_uuid()))
                    .bind(&category.name)
                    .bind(position)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                }
                Self::append_change(&mut tx, tenant, None, &ChangeBody::CategoryUpserted(category.clone())).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(category.clone())
            }

            /// The whole tree, parents before children and siblings in order.
            async fn category_tree(conn: &mut Tx<'_>, tenant: TenantId) -> DbResult<Vec<CategoryRecord>> {
                let rows: Vec<CategoryRow> = sqlx::query_as(&format!(
                    "SELECT {CATEGORY_COLUMNS} FROM categories WHERE tenant_id = $1"
                ))
                .bind(tenant.as_uuid())
                .fetch_all(&mut **conn)
                .await?;
                let all = rows.into_iter().map(category_from_row).collect::<DbResult<Vec<_>>>()?;
                Ok(pos_shared::catalog::tree_order(all))
            }

            /// The name of `brand`, which must be the tenant's.
            async fn brand_name(tx: &mut Tx<'_>, tenant: TenantId, brand: BrandId) -> DbResult<String> {
                let row: Option<(String,)> = sqlx::query_as("SELECT name FROM brands WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant.as_uuid())
                    .bind(brand.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?;
                row.map(|(n,)| n).ok_or_else(|| DbError::InvalidField {
                    field: "brand_id",
                    detail: format!("no brand {brand}"),
                })
            }

            /// The tenant's next in-store EAN-13, taken inside `tx` (which holds
            /// the tenant lock): the counter moves on past every number whose
            /// code is taken already (given by hand), so the code is free.
            async fn next_in_store_code(tx: &mut Tx<'_>, tenant: TenantId) -> DbResult<pos_shared::Gtin> {
                for _ in 0..10_000 {
                    let (prefix, next): (String, i64) = sqlx::query_as(
                        "UPDATE tenants SET in_store_next = in_store_next + 1 WHERE id = $1 \
                         RETURNING in_store_prefix, in_store_next - 1",
                    )
                    .bind(tenant.as_uuid())
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or(DbError::NotFound("tenant"))?;
                    let code = pos_shared::labels::in_store_ean13(&prefix, next as u64)
                        .map_err(|e| DbError::State { field: "barcode", detail: e.to_string() })?;
                    let taken: Option<(Uuid,)> = sqlx::query_as(
                        "SELECT variant_id FROM variant_barcodes WHERE tenant_id = $1 AND gtin = $2",
                    )
                    .bind(tenant.as_uuid())
                    .bind(code.as_str())
                    .fetch_optional(&mut **tx)
                    .await?;
                    if taken.is_none() {
                        return Ok(code);
                    }
                }
                Err(DbError::State {
                    field: "barcode",
                    detail: "no free in-store barcode in the next 10,000 numbers; choose another prefix".into(),
                })
            }

            /// Claims each of a variant's barcodes for it; a barcode another
            /// variant of the tenant holds is a conflict.
            async fn claim_barcodes(tx: &mut Tx<'_>, tenant: TenantId, variant: &VariantRecord) -> DbResult<()> {
                let codes = std::iter::once(&variant.barcode).chain(&variant.placement.extra_barcodes);
                for code in codes {
                    sqlx::query("INSERT INTO variant_barcodes (tenant_id, gtin, variant_id) VALUES ($1, $2, $3)")
                        .bind(tenant.as_uuid())
                        .bind(code.as_str())
                        .bind(variant.variant_id.as_uuid())
                        .execute(&mut **tx)
                        .await
                        .map_err(DbError::from_sqlx)?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl CatalogStorage for $storage {
            async fn create_category(
                &self,
                tenant: TenantId,
                category: &CategoryRecord,
            ) -> DbResult<CategoryRecord> {
                self.category_write(tenant, category, true).await
            }

            async fn update_category(
                &self,
                tenant: TenantId,
                category: &CategoryRecord,
            ) -> DbResult<CategoryRecord> {
                self.category_write(tenant, category, false).await
            }

            async fn categories(&self, tenant: TenantId) -> DbResult<Vec<CategoryRecord>> {
                let mut tx = self.pool.begin().await?;
                let tree = Self::category_tree(&mut tx, tenant).await?;
                Self::commit(tx).await?;
                Ok(tree)
            }

            async fn catalog(
                &self,
                tenant: TenantId,
                query: &$crate::domain::catalog::CatalogQuery,
            ) -> DbResult<$crate::domain::catalog::CatalogPage> {
                // The sort column comes from a closed enum, never from input.
                let column = match query.sort {
                    $crate::domain::catalog::CatalogSort::Sku => "v.sku",
                    $crate::domain::catalog::CatalogSort::Name => "v.name",
                };
                let sql = format!(
                    "SELECT {VARIANT_COLUMNS} FROM {VARIANT_FROM} WHERE v.tenant_id = $1 AND v.deleted_at_ms IS NULL \
                     AND ($2 IS NULL OR v.category_id = $2) AND ($3 IS NULL OR v.brand_id = $3) \
                     AND ($4 IS NULL OR LOWER(v.name) LIKE $4 OR LOWER(v.sku) LIKE $4 OR v.gtin LIKE $5) \
                     AND ($6 IS NULL OR ({column}, v.id) > ($6, $7)) \
                     ORDER BY {column}, v.id LIMIT $8"
                );
                // LIKE's wildcards in the text are taken literally out.
                let text = query.text.as_ref().map(|t| t.trim().replace(['%', '_'], ""));
                let pattern = text.as_ref().map(|t| format!("{}%", t.to_lowercase()));
                let barcode = text.as_ref().map(|t| format!("%{t}"));
                let rows: Vec<VariantRow> = sqlx::query_as(&sql)
                    .bind(tenant.as_uuid())
                    .bind(query.category.map(|c| c.as_uuid()))
                    .bind(query.brand.map(|b| b.as_uuid()))
                    .bind(pattern)
                    .bind(barcode)
                    .bind(query.after.as_ref().map(|(key, _)| key.clone()))
                    .bind(query.after.as_ref().map(|(_, id)| *id))
                    .bind(i64::from(query.limit) + 1)
                    .fetch_all(&self.pool)
                    .await?;
                let mut items = rows.into_iter().map(variant_from_row).collect::<DbResult<Vec<_>>>()?;
                let more = items.len() > query.limit as usize;
                items.truncate(query.limit as usize);
                let next = match (more, items.last()) {
                    (true, Some(last)) => Some((
                        match query.sort {
                            $crate::domain::catalog::CatalogSort::Sku => last.sku.clone(),
                            $crate::domain::catalog::CatalogSort::Name => last.name.clone(),
                        },
                        last.variant_id.as_uuid(),
                    )),
                    _ => None,
                };
                Ok($crate::domain::catalog::CatalogPage { items, next })
            }

            async fn catalog_item(&self, tenant: TenantId, variant: VariantId) -> DbResult<VariantRecord> {
                let row: Option<VariantRow> = sqlx::query_as(&format!(
                    "SELECT {VARIANT_COLUMNS} FROM {VARIANT_FROM} WHERE v.tenant_id = $1 AND v.id = $2 AND v.deleted_at_ms IS NULL"
                ))
                .bind(tenant.as_uuid())
                .bind(variant.as_uuid())
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(row) => variant_from_row(row),
                    None => Err(Self::variant_gone(&mut self.pool.begin().await?, tenant, variant).await?),
                }
            }

            async fn item_versions(
                &self,
                tenant: TenantId,
                variant: VariantId,
            ) -> DbResult<Vec<$crate::domain::catalog::ItemVersion>> {
                self.catalog_item(tenant, variant).await?;
                let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
                    "SELECT version, hash, record, recorded_at_ms FROM catalog_item_versions \
                     WHERE tenant_id = $1 AND variant_id = $2 ORDER BY version",
                )
                .bind(tenant.as_uuid())
                .bind(variant.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(version, hash, record, at)| {
                        Ok($crate::domain::catalog::ItemVersion {
                            version: version as u32,
                            hash,
                            recorded_at: Timestamp::from_unix_millis(at),
                            record: serde_json::from_str(&record)
                                .map_err(|e| DbError::Corrupt(format!("variant {variant} version {version}: {e}")))?,
                        })
                    })
                    .collect()
            }

            async fn create_brand(&self, tenant: TenantId, brand: &BrandRecord) -> DbResult<BrandRecord> {
                sqlx::query("INSERT INTO brands (id, tenant_id, name, created_at_ms) VALUES ($1, $2, $3, $4)")
                    .bind(brand.brand_id.as_uuid())
                    .bind(tenant.as_uuid())
                    .bind(&brand.name)
                    .bind(now_ms())
                    .execute(&self.pool)
                    .await
                    .map_err(DbError::from_sqlx)?;
                Ok(brand.clone())
            }

            async fn brands(&self, tenant: TenantId) -> DbResult<Vec<BrandRecord>> {
                let rows: Vec<(Uuid, String)> =
                    sqlx::query_as("SELECT id, name FROM brands WHERE tenant_id = $1 ORDER BY name")
                        .bind(tenant.as_uuid())
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, name)| BrandRecord { brand_id: BrandId::from_uuid(id), name })
                    .collect())
            }

            async fn in_store_barcodes(&self, tenant: TenantId) -> DbResult<InStoreBarcodes> {
                let (prefix, next): (String, i64) =
                    sqlx::query_as("SELECT in_store_prefix, in_store_next FROM tenants WHERE id = $1")
                        .bind(tenant.as_uuid())
                        .fetch_optional(&self.pool)
                        .await?
                        .ok_or(DbError::NotFound("tenant"))?;
                Ok(InStoreBarcodes { prefix, next: next as u64 })
            }

            async fn set_in_store_prefix(&self, tenant: TenantId, prefix: &str) -> DbResult<InStoreBarcodes> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let (prefix, next): (String, i64) = sqlx::query_as(
                    "UPDATE tenants SET in_store_prefix = $2 WHERE id = $1 RETURNING in_store_prefix, in_store_next",
                )
                .bind(tenant.as_uuid())
                .bind(prefix)
                .fetch_one(&mut *tx)
                .await?;
                Self::commit(tx).await?;
                Ok(InStoreBarcodes { prefix, next: next as u64 })
            }

            /// A product and its variants, each claiming its barcodes, announced
            /// to tills in the same transaction.
            async fn add_variant(&self, tenant: TenantId, product: pos_shared::ProductId, variant: &NewVariant) -> DbResult<VariantRecord> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let sibling: Option<(Option<Uuid>, Option<Uuid>, String)> = sqlx::query_as(
                    "SELECT brand_id, category_id, synonyms FROM variants WHERE tenant_id = $1 AND product_id = $2 \
                     ORDER BY deleted_at_ms IS NOT NULL, id LIMIT 1",
                )
                .bind(tenant.as_uuid())
                .bind(product.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
                let (brand, category, synonyms) = sibling.ok_or(DbError::NotFound("product"))?;
                let brand = brand.map(BrandId::from_uuid);
                let synonyms: Vec<String> = serde_json::from_str(&synonyms)
                    .map_err(|e| DbError::Corrupt(format!("product {product}: synonyms: {e}")))?;
                let brand_name = match brand {
                    Some(b) => Some(Self::brand_name(&mut tx, tenant, b).await?),
                    None => None,
                };
                let placed = Placed { brand_name, brand, category: category.map(CategoryId::from_uuid), synonyms: &synonyms };
                let record = Self::insert_variant(&mut tx, tenant, product, &placed, variant).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(record)
            }

            async fn create_product(&self, tenant: TenantId, product: &NewProduct) -> DbResult<Product> {
                let mut tx = self.pool.begin().await?;
                Self::lock_tenant(&mut tx, tenant).await?;
                let made = Self::insert_product(&mut tx, tenant, product).await?;
                Self::commit(tx).await?;
                self.feed_changed();
                Ok(made)
            }
        }

        impl $storage {
            /// Inserts a product and its variants (with their feed changes)
            /// in the caller's transaction, which holds the tenant lock: one
            /// product of `create_product`, or one of a seller feed's batch.
            async fn insert_product(tx: &mut Tx<'_>, tenant: TenantId, product: &NewProduct) -> DbResult<Product> {
                let brand = match product.brand {
                    Some(b) => Some(Self::brand_name(tx, tenant, b).await?),
                    None => None,
                };
                if let Some(c) = product.category {
                    Self::category_in(tx, tenant, c).await?.ok_or_else(|| DbError::InvalidField {
                        field: "category_id",
                        detail: format!("no category {c}"),
                    })?;
                }
                sqlx::query("INSERT INTO products (id, tenant_id, name, created_at_ms) VALUES ($1, $2, $3, $4)")
                    .bind(product.id.as_uuid())
                    .bind(tenant.as_uuid())
                    .bind(&product.name)
                    .bind(now_ms())
                    .execute(&mut **tx)
                    .await
                    .map_err(DbError::from_sqlx)?;
                let mut variants = Vec::with_capacity(product.variants.len());
                for v in &product.variants {
                    let placed = Placed { brand_name: brand.clone(), brand: product.brand, category: product.category, synonyms: &product.synonyms };
                    variants.push(Self::insert_variant(tx, tenant, product.id, &placed, v).await?);
                }
                Ok(Product { id: product.id, name: product.name.clone(), variants })
            }
        }

    };
}

pub(crate) use sql_catalog_paths;
