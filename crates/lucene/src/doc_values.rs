//! Placeholder until the doc-values reader lands.
use crate::codec::ID_LEN;
use crate::directory::Directory;
use crate::error::{Error, Result};
use crate::field_infos::FieldInfo;
use crate::segment_info::SegmentInfo;

pub struct DocSet;
impl DocSet {
    pub fn for_each(&self, _f: impl FnMut(u32)) -> Result<()> {
        Ok(())
    }
}

pub fn docs_with_field(_outer: &dyn Directory, _inner: &dyn Directory, info: &SegmentInfo, _id: &[u8; ID_LEN], _field: &FieldInfo) -> Result<Option<DocSet>> {
    Err(Error::unsupported(&info.name, "soft deletes"))
}
